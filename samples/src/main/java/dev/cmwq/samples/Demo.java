package dev.cmwq.samples;

import dev.cmwq.samples.demo.Contender;
import dev.cmwq.samples.demo.DemoRun;
import dev.cmwq.samples.demo.PhaseResult;
import dev.cmwq.samples.demo.Workload;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The demo the README's first command runs: one mixed workload, CPU work plus undeclared
 * blocking, on Reactor's {@code parallel()}, Reactor's {@code boundedElastic()} and cmwq's
 * {@code bound()}, one after the other, with a live {@code wq_monitor}-style table and a final
 * comparison (makespan, items per second, peak threads, p50/p99 latency).
 *
 * <h2>The workload, and why</h2>
 *
 * Items arrive at a steady rate of 750 per second per CPU for 15 seconds (1 500/s, 22 500 items
 * on 2 CPUs). One in ten, at positions drawn from a fixed seed, sleeps 20 ms in a plain
 * {@code Thread.sleep}: a JDBC call nobody declared. The others spin 50 µs of CPU. That is the
 * mixed load of the design's performance table, spread over time so that a live table means
 * something:
 *
 * <ul>
 *   <li>the sleeping items alone keep 1.5 threads per CPU busy on average (Little's law: 75/s ×
 *       20 ms), plus the CPU work; {@code parallel()} has one thread per CPU, so it must fall
 *       behind, and its backlog grows for as long as items arrive;
 *   <li>{@code boundedElastic()} can start up to ten threads per CPU, enough to keep up;
 *   <li>cmwq's {@code bound()} runs one worker per CPU slot and starts another only while one
 *       sleeps (noticed by its sampler, since nothing declares it), so it needs about as many
 *       threads as items sleep at once, plus one per CPU and its idle spares.
 * </ul>
 *
 * The demo prints what happens, not what should: the closing sentences are drawn from the
 * measured numbers.
 *
 * The rate scales with the CPU count so that the picture is the same on a laptop and on a large
 * server. Arrivals are paced by a producer thread and never depend on how a scheduler copes.
 *
 * <h2>How it is run</h2>
 *
 * <ul>
 *   <li>One scheduler at a time: run side by side, they would compete for the same CPUs and each
 *       would measure the others.
 *   <li>The same code path for all three: each item is
 *       {@code Mono.fromRunnable(item).subscribeOn(scheduler).subscribe(...)}.
 *   <li>Reactor's schedulers are fresh instances with the settings of the cached
 *       {@code Schedulers.parallel()} and {@code boundedElastic()} ({@code newParallel},
 *       {@code newBoundedElastic}), so that the demo can dispose them; cmwq's runs on a runtime
 *       of its own, shut down at the end of its phase. The JVM then exits by itself.
 *   <li>Before its clock starts, each scheduler runs 200 CPU items one at a time, so that class
 *       loading and the JIT are not billed to it; cmwq's columns count from after that warm-up.
 *   <li>Threads are counted by name ({@code parallel-}, {@code boundedElastic-},
 *       {@code kworker/}) every 50 ms, housekeeping threads included (Reactor's evictor, cmwq's
 *       sampler).
 * </ul>
 *
 * Options: none for the full run (about a minute); {@code --quick} for a run of a few seconds,
 * the one the test uses.
 */
public final class Demo {

  /**
   * What a run does.
   *
   * @param workload the items each scheduler gets
   * @param tick how often a live row is printed
   */
  public record Options(Workload workload, Duration tick) {

    /** Items arriving per second and per CPU. */
    static final int RATE_PER_CPU = 750;

    /** Returns: the full run: 15 s of arrivals per scheduler, a row a second. */
    public static Options full() {
      return new Options(workload(Duration.ofSeconds(15)), Duration.ofSeconds(1));
    }

    /** Returns: the quick run: 1 s of arrivals per scheduler, a row every 250 ms. */
    public static Options quick() {
      return new Options(workload(Duration.ofSeconds(1)), Duration.ofMillis(250));
    }

    private static Workload workload(Duration arrivals) {
      int cpus = Runtime.getRuntime().availableProcessors();
      return new Workload(RATE_PER_CPU * cpus, arrivals, 10, Duration.ofMillis(20), Duration.ofNanos(50_000), 42);
    }

    /** Returns: the options {@code args} ask for: {@code --quick} or nothing. */
    public static Options parse(String... args) {
      if (args.length == 0) {
        return full();
      }
      if (args.length == 1 && args[0].equals("--quick")) {
        return quick();
      }
      throw new IllegalArgumentException("usage: Demo [--quick]; got " + String.join(" ", args));
    }
  }

  /** What a run measured: one result per scheduler, in the order they ran. */
  public record Result(List<PhaseResult> phases) {}

  /** The schedulers, in the order they run; each built just before its phase. */
  static final List<Supplier<Contender>> CONTENDERS =
      List.of(Contender::reactorParallel, Contender::reactorBoundedElastic, Contender::cmwqBound);

  public static void main(String[] args) throws InterruptedException {
    run(Options.parse(args), System.out);
  }

  /** Runs the demo, printing to {@code System.out}. Returns: what it measured. */
  public static Result run(Options options) throws InterruptedException {
    return run(options, System.out);
  }

  /** Runs the demo, printing to {@code out}. Returns: what it measured. */
  public static Result run(Options options, PrintStream out) throws InterruptedException {
    return new Result(DemoRun.run(options.workload(), options.tick(), CONTENDERS, out));
  }

  private Demo() {}
}
