/**
 * reactor-cmwq: Project Reactor {@code Scheduler}s over cmwq workqueues.
 *
 * <p>Only {@code dev.cmwq.reactor} is API. {@code reactor.test} is optional: it is needed only by
 * {@link dev.cmwq.reactor.CmwqVirtualTime}, the virtual-time test support.
 */
// Reactor ships automatic modules (Automatic-Module-Name reactor.core / reactor.test), and the
// API exposes its types (Mono, Scheduler): requiring them transitively is intended.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.cmwq.reactor {
  requires transitive dev.cmwq.core;
  requires transitive reactor.core;
  requires transitive org.reactivestreams;
  requires static reactor.test;
  requires static org.jspecify;

  exports dev.cmwq.reactor;
}
