package dev.cmwq.samples.rxjava;

import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.rxjava3.CmwqSchedulers;
import dev.cmwq.rxjava3.WorkqueueScheduler;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Putting RxJava's standard schedulers on cmwq: after {@link CmwqSchedulers#install()},
 * {@code Schedulers.computation()} is a bound workqueue, {@code io()} and {@code newThread()} the
 * unbound one, {@code single()} an ordered one, for all code in the JVM, including operators that
 * pick a default scheduler ({@code delay}, {@code timer}, {@code interval}).
 * {@link CmwqSchedulers#reset()} restores what was there, leaving other {@code RxJavaPlugins}
 * hooks alone.
 *
 * <p>The switch is process-wide: do it once at start-up (or in a test, always undo it in a
 * {@code finally}). {@code install()} uses the global runtime; this sample passes its own runtime
 * so it can shut it down at the end.
 */
public final class RxInstall {

  /**
   * What the run saw.
   *
   * @param threadsWhileInstalled per standard scheduler, the thread a task ran on while installed
   * @param cmwqWhileInstalled whether {@code Schedulers.computation()} was a cmwq scheduler then
   * @param cmwqAfterReset whether it still was after the reset
   */
  public record Result(Map<String, String> threadsWhileInstalled, boolean cmwqWhileInstalled, boolean cmwqAfterReset) {}

  private RxInstall() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  public static Result run(WorkqueueRuntime rt, PrintStream out) {
    Map<String, String> threads = new LinkedHashMap<>();
    boolean installed;
    CmwqSchedulers.install(rt);
    try {
      threads.put("computation", threadOf(Schedulers.computation()));
      threads.put("io", threadOf(Schedulers.io()));
      threads.put("newThread", threadOf(Schedulers.newThread()));
      threads.put("single", threadOf(Schedulers.single()));
      // an operator's default scheduler: Single.timer runs on computation()
      threads.put("Single.timer", Single.timer(10, TimeUnit.MILLISECONDS)
          .map(x -> Thread.currentThread().getName())
          .blockingGet());
      installed = Schedulers.computation() instanceof WorkqueueScheduler;
      threads.forEach((name, thread) -> out.printf("installed: %-13s -> %s%n", name, thread));
    } finally {
      CmwqSchedulers.reset(); // global state: always undo
    }
    // asking is enough to see which kind it is; no task runs
    boolean afterReset = Schedulers.computation() instanceof WorkqueueScheduler;
    out.printf("after reset(): Schedulers.computation() is %s%n", afterReset ? "still cmwq" : "RxJava's own again");
    return new Result(threads, installed, afterReset);
  }

  private static String threadOf(Scheduler scheduler) {
    return Single.fromCallable(() -> Thread.currentThread().getName()).subscribeOn(scheduler).blockingGet();
  }
}
