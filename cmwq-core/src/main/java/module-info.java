/**
 * cmwq-core: the Linux kernel's Concurrency Managed Workqueue on the JVM.
 *
 * <p>Only {@code dev.cmwq} is API. The engine in {@code dev.cmwq.internal} is not exported.
 */
module dev.cmwq.core {
  requires static org.jspecify;
  // JDK modules only: thread CPU times for the sampler, JFR events mirroring the tracepoints
  requires java.management;
  requires jdk.jfr;

  exports dev.cmwq;
}
