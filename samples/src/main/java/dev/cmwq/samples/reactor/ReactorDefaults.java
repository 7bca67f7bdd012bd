package dev.cmwq.samples.reactor;

import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.reactor.CmwqSchedulers;
import dev.cmwq.reactor.WorkqueueScheduler;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Making cmwq Reactor's default: after {@link CmwqSchedulers#installAsDefault()},
 * {@code Schedulers.parallel()} runs on a bound workqueue, {@code boundedElastic()} on an unbound
 * one and {@code single()} on an ordered one, for every library in the JVM that asks
 * {@code Schedulers} for a scheduler. {@link CmwqSchedulers#resetDefault()} puts Reactor's own
 * back and disposes the cmwq schedulers Reactor had cached.
 *
 * <p>The switch is process-wide: do it once at start-up (or in a test, always undo it in a
 * {@code finally}). {@code installAsDefault()} uses the global runtime; this sample passes its
 * own runtime so it can shut it down at the end.
 */
public final class ReactorDefaults {

  /**
   * What the run saw.
   *
   * @param threadsWhileInstalled per default scheduler, the thread a task ran on while installed
   * @param cmwqWhileInstalled whether {@code Schedulers.newParallel} made a cmwq scheduler then
   * @param cmwqAfterReset whether it still did after the reset
   */
  public record Result(Map<String, String> threadsWhileInstalled, boolean cmwqWhileInstalled, boolean cmwqAfterReset) {}

  private ReactorDefaults() {}

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  public static Result run(WorkqueueRuntime rt, PrintStream out) {
    Map<String, String> threads = new LinkedHashMap<>();
    boolean installed;
    CmwqSchedulers.installAsDefault(rt);
    try {
      threads.put("parallel", threadOf(Schedulers.parallel()));
      threads.put("boundedElastic", threadOf(Schedulers.boundedElastic()));
      threads.put("single", threadOf(Schedulers.single()));
      // operators that take no scheduler use the defaults too: Mono.delay runs on parallel()
      threads.put("Mono.delay", Mono.delay(Duration.ofMillis(10)).map(x -> Thread.currentThread().getName())
          .block(Duration.ofSeconds(10)));
      installed = isCmwq(Schedulers.newParallel("sample", 2));
      threads.forEach((name, thread) -> out.printf("installed: %-15s -> %s%n", name, thread));
    } finally {
      CmwqSchedulers.resetDefault(); // global state: always undo
    }
    boolean afterReset = isCmwq(Schedulers.newParallel("sample", 2));
    out.printf("after resetDefault(): Schedulers.newParallel() makes %s%n", afterReset ? "cmwq schedulers still" : "Reactor's own again");
    return new Result(threads, installed, afterReset);
  }

  /**
   * Returns: whether {@code scheduler} is a cmwq one; disposes it. (The cached
   * {@code Schedulers.parallel()} is wrapped by Reactor, so the sample asks the factory for a new
   * one instead; no task runs on it, so it starts no thread.)
   */
  private static boolean isCmwq(Scheduler scheduler) {
    try {
      return scheduler instanceof WorkqueueScheduler;
    } finally {
      scheduler.dispose();
    }
  }

  private static String threadOf(Scheduler scheduler) {
    return Mono.fromCallable(() -> Thread.currentThread().getName())
        .subscribeOn(scheduler)
        .block(Duration.ofSeconds(10));
  }
}
