package dev.cmwq.samples.rxjava;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.rxjava3.CmwqSchedulers;
import dev.cmwq.rxjava3.WorkqueueScheduler;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.core.Single;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every cmwq scheduler variant for RxJava 3 with {@code subscribeOn} and {@code observeOn}, and
 * which threads they run on.
 *
 * <ul>
 *   <li>{@code bound}: per-CPU pools, concurrency managed; instead of {@code computation()}, and a
 *       task that blocks does not stall its CPU slot. Threads {@code kworker/<cpu>:<id>}.
 *   <li>{@code highpri}: the high-priority per-CPU pools ({@code kworker/<cpu>:<id>H}).
 *   <li>{@code unbound}: a worker for every active task; instead of {@code io()} and
 *       {@code newThread()} ({@code kworker/u<pool>:<id>}).
 *   <li>{@code newOrdered(name)}: one task at a time in order, instead of {@code single()}; the
 *       scheduler owns its workqueue and destroys it on {@code shutdown()}.
 *   <li>{@code fromWorkqueue(wq)}: a workqueue you built; it outlives the scheduler.
 * </ul>
 *
 * The variants without a runtime use the global runtime; this sample passes its own runtime so
 * it can shut it down at the end.
 */
public final class RxSchedulers {

  /**
   * The threads a variant ran on.
   *
   * @param subscribeOn the thread that ran the subscription
   * @param observeOn the threads that received the items after {@code observeOn}
   */
  public record Threads(String subscribeOn, List<String> observeOn) {}

  private RxSchedulers() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  /** Returns: per variant, the threads its tasks ran on. */
  public static Map<String, Threads> run(WorkqueueRuntime rt, PrintStream out) {
    Workqueue thumbnails = Workqueue.builder("thumbnails").unbound().maxActive(4).runtime(rt).build();
    Map<String, WorkqueueScheduler> variants = new LinkedHashMap<>();
    variants.put("bound", CmwqSchedulers.bound(rt));
    variants.put("highpri", CmwqSchedulers.highpri(rt));
    variants.put("unbound", CmwqSchedulers.unbound(rt));
    variants.put("ordered", CmwqSchedulers.newOrdered("rx-sample-ordered", rt));
    variants.put("fromWorkqueue", CmwqSchedulers.fromWorkqueue(thumbnails));
    Map<String, Threads> result = new LinkedHashMap<>();
    try {
      variants.forEach((name, scheduler) -> {
        String subscribedOn = Single.fromCallable(() -> Thread.currentThread().getName())
            .subscribeOn(scheduler)
            .blockingGet();
        List<String> observedOn = Observable.range(1, 3)
            .observeOn(scheduler)
            .map(i -> Thread.currentThread().getName())
            .toList()
            .blockingGet();
        out.printf("%-14s (%s) subscribeOn -> %s, observeOn -> %s%n",
            name, scheduler.workqueue().name(), subscribedOn, observedOn);
        result.put(name, new Threads(subscribedOn, observedOn));
      });
      return result;
    } finally {
      variants.values().forEach(WorkqueueScheduler::shutdown); // destroys only the ordered one's workqueue
      thumbnails.destroy();
    }
  }
}
