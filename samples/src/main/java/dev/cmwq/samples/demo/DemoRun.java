package dev.cmwq.samples.demo;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the workload on each scheduler in turn and prints the live rows and the comparison; the
 * reasons for the design are in {@code dev.cmwq.samples.Demo}.
 */
public final class DemoRun {

  private DemoRun() {}

  /**
   * Runs every phase, one after the other.
   *
   * @param contenders builds each scheduler just before its phase; every one is closed after it
   * @return one result per contender, in order
   */
  public static List<PhaseResult> run(
      Workload w, Duration tick, List<Supplier<Contender>> contenders, PrintStream out) throws InterruptedException {
    boolean[] plan = w.plan();
    int blocking = 0;
    for (boolean b : plan) {
      blocking += b ? 1 : 0;
    }
    out.printf(Locale.ROOT,
        "cmwq demo: %d items arrive at %d/s for %.0fs on each scheduler in turn (%d CPUs, Java %s).%n"
            + "%d of them (%.0f%%) sleep %dms in a plain Thread.sleep, undeclared; the rest spin %dµs of CPU.%n"
            + "The sleeps alone keep %.1f threads busy on average; each item: "
            + "Mono.fromRunnable(item).subscribeOn(scheduler).subscribe().%n",
        plan.length, w.ratePerSecond(), w.arrivals().toNanos() / 1e9,
        Runtime.getRuntime().availableProcessors(), Runtime.version().feature(),
        blocking, 100.0 * blocking / plan.length, w.block().toMillis(), w.spin().toNanos() / 1000,
        w.blockedThreadsNeeded());

    List<PhaseResult> results = new ArrayList<>();
    LiveTable table = new LiveTable(out);
    try (ThreadCensus census = new ThreadCensus(Duration.ofMillis(50))) {
      for (Supplier<Contender> make : contenders) {
        results.add(new Phase(make.get(), w, plan, census, table, tick).run());
      }
    }
    Comparison.print(out, w, results);
    return results;
  }
}
