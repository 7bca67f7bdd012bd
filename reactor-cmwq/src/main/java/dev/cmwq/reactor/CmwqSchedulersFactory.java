package dev.cmwq.reactor;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The {@link Schedulers.Factory} of {@link CmwqSchedulers#installAsDefault()}: every scheduler
 * Reactor asks for is a new scheduler that owns a new workqueue on one runtime, so that Reactor
 * disposing it (on {@code Schedulers.shutdownNow()}, a factory change, or the user's
 * {@code dispose()}) destroys exactly that workqueue.
 *
 * <ul>
 *   <li>{@code newParallel} (behind {@code Schedulers.parallel()}): a bound workqueue. The
 *       parallelism is not needed: concurrency management keeps one worker running per CPU
 *       slot and adds one only while another blocks.
 *   <li>{@code newBoundedElastic}, {@code newThreadPerTaskBoundedElastic} (behind
 *       {@code boundedElastic()}): an unbound workqueue with {@code max_active} = the thread cap
 *       (clamped to 1..2048). The queued-task cap is not applied: tasks beyond max_active wait,
 *       they are never rejected.
 *   <li>{@code newSingle} (behind {@code single()}): an ordered workqueue.
 * </ul>
 *
 * The workqueue is named after the Reactor scheduler ({@code "parallel"}, or the name given to
 * {@code Schedulers.newParallel(name, …)}). The {@link ThreadFactory} is otherwise ignored:
 * tasks run on the runtime's workers, whose names keep the runtime's prefix. Never calls
 * {@code Schedulers.newXxx} (that would recurse into the factory). Thread-safe.
 */
final class CmwqSchedulersFactory implements Schedulers.Factory {

  private final WorkqueueRuntime runtime; // I

  CmwqSchedulersFactory(WorkqueueRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public Scheduler newParallel(int parallelism, ThreadFactory threadFactory) {
    String name = nameOf(threadFactory, "parallel");
    return owned(Workqueue.builder(name).runtime(runtime).build());
  }

  @Override
  public Scheduler newBoundedElastic(int threadCap, int queuedTaskCap, ThreadFactory threadFactory, int ttlSeconds) {
    return elastic(threadCap, threadFactory);
  }

  @Override
  public Scheduler newThreadPerTaskBoundedElastic(int threadCap, int queuedTaskCap, ThreadFactory threadFactory) {
    return elastic(threadCap, threadFactory);
  }

  @Override
  public Scheduler newSingle(ThreadFactory threadFactory) {
    String name = nameOf(threadFactory, "single");
    return owned(Workqueue.builder(name).ordered().runtime(runtime).build());
  }

  private Scheduler elastic(int threadCap, ThreadFactory threadFactory) {
    String name = nameOf(threadFactory, "boundedElastic");
    int maxActive = Math.max(1, Math.min(2048, threadCap)); // clamp here: no warning for Integer.MAX_VALUE
    return owned(Workqueue.builder(name).unbound().maxActive(maxActive).runtime(runtime).build());
  }

  private static Scheduler owned(Workqueue wq) {
    return new CmwqScheduler(wq, "cmwq(" + wq.name() + ")", true, false, true);
  }

  /**
   * Returns: the name Reactor gave the scheduler, which its own thread factory supplies
   * ({@code ReactorThreadFactory} is a {@code Supplier<String>}), cut to a workqueue name;
   * {@code fallback} for any other factory.
   */
  static String nameOf(ThreadFactory tf, String fallback) {
    if (tf instanceof Supplier) {
      Object n = ((Supplier<?>) tf).get();
      if (n instanceof String && !((String) n).isEmpty()) {
        String s = (String) n;
        return s.length() > Workqueue.NAME_LEN ? s.substring(0, Workqueue.NAME_LEN) : s;
      }
    }
    return fallback;
  }

  @Override
  public String toString() {
    return "CmwqSchedulersFactory{" + runtime + "}";
  }
}
