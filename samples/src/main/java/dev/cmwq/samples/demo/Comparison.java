package dev.cmwq.samples.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The final table, one row per scheduler, and a few sentences drawn from its numbers. Nothing in
 * the sentences is fixed in advance: which scheduler kept pace, and by how much it used fewer
 * threads, is whatever the run measured.
 *
 * <p>"Kept pace" means the last item was done within {@link #keptPaceNanos} of the last
 * arrival: the scheduler was never far behind, since a backlog left at the end of the arrivals
 * must still be worked off after it.
 */
public final class Comparison {

  /** Width the sentences are wrapped at, so that the output pastes into a README as is. */
  static final int WIDTH = 100;

  private Comparison() {}

  /** Returns: the slack allowed after the last arrival: ten blocking calls, at least 250 ms. */
  public static long keptPaceNanos(Workload w) {
    return Math.max(250_000_000L, 10 * w.block().toNanos());
  }

  public static void print(PrintStream out, Workload w, List<PhaseResult> results) {
    out.printf("%n%-18s %7s %6s %9s %8s %8s %9s %9s %9s%n",
        "scheduler", "items", "failed", "makespan", "behind", "items/s", "peak thr", "p50 lat", "p99 lat");
    for (PhaseResult r : results) {
      out.printf(Locale.ROOT, "%-18s %7d %6d %8.2fs %7.2fs %8.0f %9d %9s %9s%n",
          r.label(), r.items(), r.failed(), r.makespanNanos() / 1e9, r.lagNanos() / 1e9,
          r.itemsPerSecond(), r.peakThreads(), duration(r.p50Nanos()), duration(r.p99Nanos()));
    }
    out.printf(Locale.ROOT, "makespan: first arrival to last item done; behind: how long after the last arrival"
        + " (at %.2fs) the last item was done%n", results.isEmpty() ? 0 : results.get(0).lastArrivalNanos() / 1e9);
    out.println();
    for (String s : sentences(w, results)) {
      wrap(out, s);
    }
  }

  /** Returns: one or two sentences that say what the table shows. */
  public static List<String> sentences(Workload w, List<PhaseResult> results) {
    long slack = keptPaceNanos(w);
    List<PhaseResult> kept = new ArrayList<>();
    List<PhaseResult> behind = new ArrayList<>();
    for (PhaseResult r : results) {
      (r.failed() == 0 && r.lagNanos() <= slack ? kept : behind).add(r);
    }
    List<String> out = new ArrayList<>();
    StringBuilder first = new StringBuilder();
    if (!kept.isEmpty()) {
      first.append(String.format(Locale.ROOT,
          "Kept pace with the arrivals (last item done within %s of the last one): %s.",
          duration(slack), join(kept, r -> r.label() + " with " + threads(r.peakThreads()) + " at peak")));
    }
    if (!behind.isEmpty()) {
      if (first.length() > 0) {
        first.append(' ');
      }
      first.append("Fell behind: ").append(join(behind, r -> r.failed() > 0
          ? r.label() + ", which failed " + r.failed() + " items"
          : r.label() + ", still busy " + duration(r.lagNanos()) + " after the last arrival with "
              + threads(r.peakThreads()) + " (p99 latency " + duration(r.p99Nanos()) + ")")).append('.');
    }
    out.add(first.toString());

    if (kept.size() >= 2) {
      kept.sort(Comparator.comparingInt(PhaseResult::peakThreads));
      PhaseResult fewest = kept.get(0);
      PhaseResult most = kept.get(kept.size() - 1);
      if (fewest.peakThreads() < most.peakThreads()) {
        out.add(String.format(Locale.ROOT,
            "Of those, %s needed %.1f× fewer threads than %s (%d vs %d), with a p99 latency of %s vs %s.",
            fewest.label(), (double) most.peakThreads() / Math.max(1, fewest.peakThreads()), most.label(),
            fewest.peakThreads(), most.peakThreads(), duration(fewest.p99Nanos()), duration(most.p99Nanos())));
      }
    }
    return out;
  }

  private static String threads(int n) {
    return n == 1 ? "1 thread" : n + " threads";
  }

  private static String join(List<PhaseResult> rs, java.util.function.Function<PhaseResult, String> f) {
    List<String> parts = new ArrayList<>();
    for (PhaseResult r : rs) {
      parts.add(f.apply(r));
    }
    if (parts.size() <= 1) {
      return String.join("", parts);
    }
    return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1);
  }

  /** Returns: {@code nanos} as µs, ms or s, with three significant digits. */
  static String duration(long nanos) {
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.0fµs", nanos / 1e3);
    }
    if (nanos < 1_000_000_000) {
      double ms = nanos / 1e6;
      return String.format(Locale.ROOT, ms < 10 ? "%.2fms" : ms < 100 ? "%.1fms" : "%.0fms", ms);
    }
    return String.format(Locale.ROOT, "%.2fs", nanos / 1e9);
  }

  /** Prints {@code text} wrapped at {@link #WIDTH} columns, breaking between words. */
  private static void wrap(PrintStream out, String text) {
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > WIDTH) {
        out.println(line);
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    out.println(line);
  }
}
