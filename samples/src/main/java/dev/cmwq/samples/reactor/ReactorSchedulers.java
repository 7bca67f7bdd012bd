package dev.cmwq.samples.reactor;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.reactor.CmwqSchedulers;
import dev.cmwq.reactor.WorkqueueScheduler;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Every cmwq scheduler variant with {@code subscribeOn} and {@code publishOn}, and which threads
 * they run on.
 *
 * <ul>
 *   <li>{@code bound}: the runtime's {@code events} workqueue, per-CPU and concurrency managed;
 *       for CPU work that may sometimes block. Threads {@code kworker/<cpu>:<id>}.
 *   <li>{@code highpri}: {@code events_highpri}, the high-priority per-CPU pools
 *       ({@code kworker/<cpu>:<id>H}).
 *   <li>{@code unbound}: {@code events_unbound}, a worker for every active task; for blocking
 *       calls ({@code kworker/u<pool>:<id>}).
 *   <li>{@code newOrdered(name)}: a new ordered workqueue; tasks one at a time in order. The
 *       scheduler owns the workqueue: disposing it destroys the workqueue.
 *   <li>{@code fromWorkqueue(wq)}: a workqueue you built, with its own flags and
 *       {@code maxActive}; the workqueue outlives the scheduler unless told otherwise.
 * </ul>
 *
 * {@code CmwqSchedulers.bound()}, {@code highpri()}, {@code unbound()} and
 * {@code newOrdered(name)} without a runtime use the global runtime; this sample passes its own
 * runtime so it can shut it down at the end.
 */
public final class ReactorSchedulers {

  /**
   * The threads a variant ran on.
   *
   * @param subscribeOn the thread that ran the subscription (and so the callable)
   * @param publishOn the threads that received the elements after {@code publishOn}
   */
  public record Threads(String subscribeOn, List<String> publishOn) {}

  private ReactorSchedulers() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  /** Returns: per variant, the threads its tasks ran on. */
  public static Map<String, Threads> run(WorkqueueRuntime rt, PrintStream out) {
    Map<String, Threads> result = new LinkedHashMap<>();
    WorkqueueScheduler bound = CmwqSchedulers.bound(rt);
    WorkqueueScheduler highpri = CmwqSchedulers.highpri(rt);
    WorkqueueScheduler unbound = CmwqSchedulers.unbound(rt);
    WorkqueueScheduler ordered = CmwqSchedulers.newOrdered("sample-ordered", rt);
    Workqueue reports = Workqueue.builder("reports").unbound().maxActive(4).runtime(rt).build();
    WorkqueueScheduler mine = CmwqSchedulers.fromWorkqueue(reports);
    try {
      Map<String, WorkqueueScheduler> variants = new LinkedHashMap<>();
      variants.put("bound", bound);
      variants.put("highpri", highpri);
      variants.put("unbound", unbound);
      variants.put("ordered", ordered);
      variants.put("fromWorkqueue", mine);
      variants.forEach((name, scheduler) -> {
        String subscribedOn = Mono.fromCallable(() -> Thread.currentThread().getName())
            .subscribeOn(scheduler)
            .block(Duration.ofSeconds(10));
        List<String> publishedOn = Flux.range(1, 3)
            .publishOn(scheduler)
            .map(i -> Thread.currentThread().getName())
            .collectList()
            .block(Duration.ofSeconds(10));
        out.printf("%-14s (%s) subscribeOn -> %s, publishOn -> %s%n",
            name, scheduler.workqueue().name(), subscribedOn, publishedOn);
        result.put(name, new Threads(subscribedOn, publishedOn));
      });
      return result;
    } finally {
      bound.dispose(); // these three leave the runtime's system workqueues alone
      highpri.dispose();
      unbound.dispose();
      ordered.dispose(); // destroys the ordered workqueue it created
      mine.dispose(); // leaves "reports" running: it is ours to destroy
      reports.destroy();
    }
  }
}
