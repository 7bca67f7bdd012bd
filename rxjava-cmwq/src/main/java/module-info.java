/**
 * rxjava-cmwq: cmwq workqueues as RxJava 3 {@code Scheduler}s.
 *
 * <p>Only {@code dev.cmwq.rxjava3} is API. RxJava's {@code internal.*} packages are not used
 * (RxJava's module does not export them).
 */
@SuppressWarnings("module") // named after its package, digits and all
module dev.cmwq.rxjava3 {
  requires static org.jspecify;
  // both appear in the API: WorkqueueScheduler.workqueue() is a dev.cmwq.Workqueue and the
  // schedulers are io.reactivex.rxjava3.core.Scheduler; RxJava itself requires org.reactivestreams
  requires transitive dev.cmwq.core;
  requires transitive io.reactivex.rxjava3;

  exports dev.cmwq.rxjava3;
}
