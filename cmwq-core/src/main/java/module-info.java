/**
 * cmwq-core: the Linux kernel's Concurrency Managed Workqueue on the JVM.
 *
 * <p>Only {@code dev.cmwq} is API. The engine in {@code dev.cmwq.internal} is not exported.
 */
module dev.cmwq.core {
  requires static org.jspecify;

  exports dev.cmwq;
}
