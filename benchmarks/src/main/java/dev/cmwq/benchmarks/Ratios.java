package dev.cmwq.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Builds {@code ratios.md}: one row per (benchmark, cmwq variant, peer) with both figures, the
 * ratio cmwq / peer, which direction is better, the DESIGN §9 target and whether it is met.
 *
 * <p>The ratio is always cmwq's figure divided by the peer's, never inverted: for a throughput
 * (higher is better) 2× means cmwq does twice the work; for a time, a byte count or a thread
 * count (lower is better) 0.5× means cmwq needs half. The "better" column says which applies.
 * A target of "—" means the row is for information; "not run" means a figure is missing (the
 * benchmark class or method does not exist yet, or it failed).
 */
final class Ratios {

  private Ratios() {}

  /** One figure: a value, its unit, and whether more is better. */
  record Figure(double value, String unit, boolean higherIsBetter) {}

  /** Decides whether a target is met; returns null if it cannot tell. */
  interface Check {
    Boolean met(Figure cmwq, Figure peer);
  }

  /** One row of the table. */
  record Line(String benchmark, String cmwqName, Figure cmwq, String peerName, Figure peer, String target, Check check) {}

  /** Target: cmwq / peer ≥ {@code x} (higher-is-better figures). */
  static Check atLeast(double x) {
    return (c, p) -> p == null ? null : c.value() / p.value() >= x;
  }

  /** Target: cmwq is no worse than the peer, in the figure's own direction. */
  static Check noWorse() {
    return (c, p) -> p == null ? null : c.higherIsBetter() ? c.value() >= p.value() : c.value() <= p.value();
  }

  /** Target: cmwq's figure ≤ {@code limit}, whatever the peer. */
  static Check atMost(double limit) {
    return (c, p) -> c.value() <= limit;
  }

  static String markdown(
      Map<String, Suite.Score> scores, Map<String, Object> harnesses, Map<String, Object> meta, boolean quick) {
    List<Line> lines = new ArrayList<>();
    tinyTasks(lines, scores);
    pipelines(lines, scores, "ReactorPipelineBenchmark", List.of("hop", "flatMapSubscribeOn", "publishOn"), List.of("parallel", "boundedElastic", "forkJoinPool"), "boundedElastic");
    pipelines(lines, scores, "RxJavaPipelineBenchmark", List.of("hop", "flatMapSubscribeOn", "observeOn"), List.of("computation", "io", "forkJoinPool"), "io");
    timers(lines, scores);
    mixed(lines, report(harnesses, "MixedBlocking"));
    lateness(lines, report(harnesses, "TimerLateness"));
    footprint(lines, report(harnesses, "TimerFootprint"));
    idle(lines, report(harnesses, "IdleCost"));

    StringBuilder sb = new StringBuilder();
    sb.append("# cmwq vs peers (DESIGN §9)\n\n");
    if (quick) {
      sb.append("**Quick mode: no warm-up, one 100 ms iteration, tiny harness sizes. These figures only show that"
          + " everything ran; do not quote them.**\n\n");
    }
    sb.append(String.format(Locale.ROOT,
        "%s %s, %s CPUs, max heap %d MiB, %s; %s; git %s; suite wall time %.0f s.%n%n",
        meta.get("javaVmName"), meta.get("javaVersion"), meta.get("availableProcessors"),
        ((Number) meta.get("maxHeapBytes")).longValue() >> 20, meta.get("os"), meta.get("date"),
        Objects.requireNonNullElse(meta.get("gitCommit"), "unknown"), ((Number) meta.get("wallSeconds")).doubleValue()));
    sb.append("cmwq / peer is cmwq's figure divided by the peer's, never inverted: read it with the \"better\""
        + " column (higher: throughput; lower: time, bytes, threads). Target \"—\": for information.\n\n");
    sb.append("| benchmark | cmwq | figure | peer | figure | cmwq / peer | better | target | met? |\n");
    sb.append("|---|---|---:|---|---:|---:|---|---|---|\n");
    for (Line l : lines) {
      String ratio = l.cmwq() != null && l.peer() != null && l.peer().value() != 0
          ? String.format(Locale.ROOT, "%.2f×", l.cmwq().value() / l.peer().value())
          : "";
      String met;
      Boolean m = l.cmwq() == null || l.check() == null ? null : l.check().met(l.cmwq(), l.peer());
      if (l.cmwq() == null) {
        met = "not run";
      } else if (l.check() == null) {
        met = "—";
      } else {
        met = m == null ? "not run" : m ? "met" : "**not met**";
      }
      boolean higher = l.cmwq() != null ? l.cmwq().higherIsBetter() : l.peer() != null && l.peer().higherIsBetter();
      sb.append("| ").append(l.benchmark())
          .append(" | ").append(l.cmwqName())
          .append(" | ").append(format(l.cmwq()))
          .append(" | ").append(l.peerName() == null ? "—" : l.peerName())
          .append(" | ").append(l.peerName() == null ? "" : format(l.peer()))
          .append(" | ").append(ratio)
          .append(" | ").append(l.cmwq() == null && l.peer() == null ? "" : higher ? "higher" : "lower")
          .append(" | ").append(l.target() == null ? "—" : l.target())
          .append(" | ").append(met)
          .append(" |\n");
    }
    return sb.toString();
  }

  static String format(Figure f) {
    if (f == null) {
      return "not run";
    }
    double v = f.value();
    String num;
    double a = Math.abs(v);
    if (f.unit().startsWith("ops/") && a >= 1e6) {
      num = String.format(Locale.ROOT, "%.2f M ", v / 1e6);
    } else if (f.unit().startsWith("ops/") && a >= 1e3) {
      num = String.format(Locale.ROOT, "%.1f k ", v / 1e3);
    } else if (a >= 100 || v == Math.rint(v)) {
      num = String.format(Locale.ROOT, "%.0f ", v);
    } else {
      num = String.format(Locale.ROOT, "%.2f ", v);
    }
    return num + f.unit();
  }

  // ---- JMH ----

  static Figure jmh(Map<String, Suite.Score> scores, String key) {
    Suite.Score s = scores.get(key);
    return s == null ? null : new Figure(s.score(), s.unit(), s.higherIsBetter());
  }

  static Figure alloc(Map<String, Suite.Score> scores, String key) {
    Suite.Score s = scores.get(key);
    return s == null || Double.isNaN(s.allocBytesPerOp()) ? null : new Figure(s.allocBytesPerOp(), "B/op", false);
  }

  static void tinyTasks(List<Line> lines, Map<String, Suite.Score> s) {
    String c = "TinyTaskBenchmark.";
    String b = "tiny tasks";
    Figure bound = jmh(s, c + "cmwqBound");
    lines.add(new Line(b, "bound", bound, "Reactor parallel()", jmh(s, c + "reactorParallel"), "≥ 2×", atLeast(2)));
    lines.add(new Line(b, "bound", bound, "ForkJoinPool", jmh(s, c + "forkJoinPool"), "≥ 0.8× (goal 1×)", atLeast(0.8)));
    lines.add(new Line(b, "bound", bound, "ThreadPoolExecutor", jmh(s, c + "threadPoolExecutor"), null, null));
    lines.add(new Line(b, "bound", bound, "Reactor boundedElastic()", jmh(s, c + "reactorBoundedElastic"), null, null));
    lines.add(new Line(b, "bound", bound, "RxJava computation()", jmh(s, c + "rxComputation"), null, null));
    lines.add(new Line(b, "bound", bound, "RxJava io()", jmh(s, c + "rxIo"), null, null));
    lines.add(new Line(b, "unbound", jmh(s, c + "cmwqUnbound"), "ForkJoinPool", jmh(s, c + "forkJoinPool"), null, null));
    lines.add(new Line(b, "Reactor adapter, bound", jmh(s, c + "reactorCmwqBound"), "Reactor parallel()", jmh(s, c + "reactorParallel"), null, null));
    lines.add(new Line(b, "RxJava adapter, bound", jmh(s, c + "rxjavaCmwqBound"), "RxJava computation()", jmh(s, c + "rxComputation"), null, null));
  }

  static void pipelines(
      List<Line> lines, Map<String, Suite.Score> s, String clazz, List<String> methods, List<String> peers, String elasticPeer) {
    String host = clazz.startsWith("Reactor") ? "Reactor" : "RxJava";
    for (String m : methods) {
      String b = host + " " + m;
      Figure bound = jmh(s, clazz + "." + m + "[scheduler=cmwqBound]");
      // DESIGN §9 sets "≥ the best peer" for the hops (hop, flatMapSubscribeOn); publishOn and
      // observeOn fuse with range() into one drain loop per subscription, so they are shown as
      // a no-regression check, without a target
      boolean hopTarget = !m.equals("publishOn") && !m.equals("observeOn");
      for (String peer : peers) {
        lines.add(new Line(b, "bound", bound, peer, jmh(s, clazz + "." + m + "[scheduler=" + peer + "]"),
            hopTarget ? "≥ best peer" : null, hopTarget ? noWorse() : null));
      }
      lines.add(new Line(b, "unbound", jmh(s, clazz + "." + m + "[scheduler=cmwqUnbound]"), elasticPeer,
          jmh(s, clazz + "." + m + "[scheduler=" + elasticPeer + "]"), null, null));
    }
  }

  static void timers(List<Line> lines, Map<String, Suite.Score> s) {
    for (String pending : List.of("1000", "100000")) {
      String p = "[pending=" + pending + "]";
      String c = "TimerBenchmark.";
      String arm = "arm + cancel, " + pending + " pending";
      Figure cmwq = jmh(s, c + "armCancel_cmwq" + p);
      lines.add(new Line(arm, "DelayedWork", cmwq, "STPE", jmh(s, c + "armCancel_stpe" + p), "≥ 2×", atLeast(2)));
      lines.add(new Line(arm, "DelayedWork", cmwq, "Netty HWT", jmh(s, c + "armCancel_netty" + p), "≥ 1×", atLeast(1)));
      lines.add(new Line(arm, "DelayedWork", cmwq, "Reactor parallel()", jmh(s, c + "armCancel_reactorParallel" + p), null, null));
      lines.add(new Line(arm, "DelayedWork", cmwq, "RxJava computation()", jmh(s, c + "armCancel_rxComputation" + p), null, null));
      lines.add(new Line(arm, "Reactor adapter", jmh(s, c + "armCancel_reactorCmwq" + p), "Reactor parallel()",
          jmh(s, c + "armCancel_reactorParallel" + p), null, null));
      String re = "re-arm, " + pending + " pending";
      Figure rearm = jmh(s, c + "rearm_cmwq" + p);
      lines.add(new Line(re, "DelayedWork", rearm, "STPE", jmh(s, c + "rearm_stpe" + p), "≥ 3×", atLeast(3)));
      lines.add(new Line(re, "DelayedWork", rearm, "Netty HWT", jmh(s, c + "rearm_netty" + p), null, null));
      lines.add(new Line(re, "Reactor adapter", jmh(s, c + "rearm_reactorCmwq" + p), "Reactor parallel()",
          jmh(s, c + "rearm_reactorParallel" + p), null, null));
      lines.add(new Line(re + ", allocation", "DelayedWork", alloc(s, c + "rearm_cmwq" + p), "STPE",
          alloc(s, c + "rearm_stpe" + p), "≤ 1 B/op (0 B)", atMost(1)));
    }
  }

  // ---- harnesses ----

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> report(Map<String, Object> harnesses, String name) {
    Object r = harnesses.get(name);
    if (!(r instanceof Map<?, ?> m) || !(m.get("rows") instanceof List<?> rows)) {
      return List.of();
    }
    return (List<Map<String, Object>>) rows;
  }

  /** Returns: the first row whose fields equal {@code match} (pairs of key, value), or null. */
  static Map<String, Object> row(List<Map<String, Object>> rows, String... match) {
    for (Map<String, Object> r : rows) {
      boolean ok = true;
      for (int i = 0; i < match.length; i += 2) {
        ok &= match[i + 1].equals(r.get(match[i]));
      }
      if (ok) {
        return r;
      }
    }
    return null;
  }

  static Figure field(Map<String, Object> row, String field, String unit) {
    if (row == null || !(row.get(field) instanceof Number n)) {
      return null;
    }
    return new Figure(n.doubleValue(), unit, false);
  }

  static void mixed(List<Line> lines, List<Map<String, Object>> rows) {
    String fjpManaged = null;
    String fjp = null;
    for (Map<String, Object> r : rows) {
      String peer = String.valueOf(r.get("peer"));
      if (peer.startsWith("ForkJoinPool") && peer.endsWith("managedBlock")) {
        fjpManaged = peer;
      } else if (peer.startsWith("ForkJoinPool")) {
        fjp = peer;
      }
    }
    String fjpM = fjpManaged == null ? "ForkJoinPool + managedBlock" : fjpManaged;
    String fjpR = fjp == null ? "ForkJoinPool" : fjp;
    Map<String, Object> undeclared = row(rows, "pattern", "burst", "mode", "undeclared", "peer", "cmwq bound");
    Map<String, Object> declared = row(rows, "pattern", "burst", "mode", "declared", "peer", "cmwq bound");
    Map<String, Object> fjpDeclared = row(rows, "pattern", "burst", "mode", "declared", "peer", fjpM);
    String b = "mixed load, burst, makespan";
    lines.add(new Line(b, "bound, undeclared", field(undeclared, "makespanMsMedian", "ms"), fjpM + " (declared)",
        field(fjpDeclared, "makespanMsMedian", "ms"), "≤ ForkJoinPool + managedBlock", noWorse()));
    lines.add(new Line("mixed load, burst, peak threads", "bound, undeclared", field(undeclared, "peakThreadsMedian", "threads"),
        fjpM + " (declared)", field(fjpDeclared, "peakThreadsMedian", "threads"), "no more threads", noWorse()));
    for (String peer : List.of("Reactor parallel()", "Reactor boundedElastic()", fjpR)) {
      lines.add(new Line(b, "bound, undeclared", field(undeclared, "makespanMsMedian", "ms"), peer,
          field(row(rows, "pattern", "burst", "mode", "mixed", "peer", peer), "makespanMsMedian", "ms"), null, null));
    }
    lines.add(new Line(b, "bound, declared", field(declared, "makespanMsMedian", "ms"), fjpM + " (declared)",
        field(fjpDeclared, "makespanMsMedian", "ms"), "≤ 55 ms", atMost(55)));
    lines.add(new Line(b, "bound, half declared", field(row(rows, "pattern", "burst", "mode", "mixed", "peer", "cmwq bound"), "makespanMsMedian", "ms"),
        fjpM + " (half declared)", field(row(rows, "pattern", "burst", "mode", "mixed", "peer", fjpM), "makespanMsMedian", "ms"), null, null));
    lines.add(new Line(b, "Reactor adapter, undeclared",
        field(row(rows, "pattern", "burst", "mode", "undeclared", "peer", "cmwq bound (Reactor adapter)"), "makespanMsMedian", "ms"),
        "Reactor parallel()", field(row(rows, "pattern", "burst", "mode", "mixed", "peer", "Reactor parallel()"), "makespanMsMedian", "ms"), null, null));
    lines.add(new Line(b, "unbound, half declared", field(row(rows, "pattern", "burst", "mode", "mixed", "peer", "cmwq unbound"), "makespanMsMedian", "ms"),
        "Reactor boundedElastic()", field(row(rows, "pattern", "burst", "mode", "mixed", "peer", "Reactor boundedElastic()"), "makespanMsMedian", "ms"), null, null));
    Map<String, Object> paced = row(rows, "pattern", "paced", "mode", "undeclared", "peer", "cmwq bound");
    for (String peer : List.of(fjpM, "Reactor parallel()", "Reactor boundedElastic()")) {
      String mode = peer.equals(fjpM) ? "declared" : "mixed";
      Map<String, Object> pr = row(rows, "pattern", "paced", "mode", mode, "peer", peer);
      String label = peer.equals(fjpM) ? peer + " (declared)" : peer;
      lines.add(new Line("mixed load, paced 1/ms, p99 latency", "bound, undeclared", field(paced, "p99LatencyMsMedian", "ms"), label,
          field(pr, "p99LatencyMsMedian", "ms"), null, null));
      lines.add(new Line("mixed load, paced 1/ms, overrun", "bound, undeclared", field(paced, "overrunMsMedian", "ms"), label,
          field(pr, "overrunMsMedian", "ms"), null, null));
    }
  }

  /**
   * The targets are for an idle producer (DESIGN §9): they are read on the "idle" set, the timers
   * due after arming finished; all timers, those due while the producer was still arming
   * included, are shown for information.
   */
  static void lateness(List<Line> lines, List<Map<String, Object>> rows) {
    Map<String, Object> cmwq = row(rows, "peer", "cmwq", "set", "idle");
    for (String peer : List.of("STPE", "Netty HWT", "Reactor parallel()")) {
      Map<String, Object> pr = row(rows, "peer", peer, "set", "idle");
      lines.add(new Line("timer lateness p50, idle producer", "DelayedWork", field(cmwq, "p50Us", "µs"), peer, field(pr, "p50Us", "µs"), "≤ 150 µs", atMost(150)));
      lines.add(new Line("timer lateness p99, idle producer", "DelayedWork", field(cmwq, "p99Us", "µs"), peer, field(pr, "p99Us", "µs"), "≤ 2 000 µs", atMost(2000)));
    }
    Map<String, Object> stpeIdle = row(rows, "peer", "STPE", "set", "idle");
    lines.add(new Line("timer lateness p99.9, idle producer", "DelayedWork", field(cmwq, "p999Us", "µs"), "STPE",
        field(stpeIdle, "p999Us", "µs"), null, null));
    lines.add(new Line("timer lateness max, idle producer", "DelayedWork", field(cmwq, "maxUs", "µs"), "STPE",
        field(stpeIdle, "maxUs", "µs"), null, null));
    Map<String, Object> cmwqAll = row(rows, "peer", "cmwq", "set", "all");
    lines.add(new Line("timer lateness p99, all timers (some due while arming)", "DelayedWork", field(cmwqAll, "p99Us", "µs"), "STPE",
        field(row(rows, "peer", "STPE", "set", "all"), "p99Us", "µs"), null, null));
    lines.add(new Line("timer early fires", "DelayedWork", field(cmwqAll, "early", "timers"), null, null, "≤ 0 (never early)", atMost(0)));
    Map<String, Object> adapter = row(rows, "peer", "cmwq Reactor adapter", "set", "idle");
    Map<String, Object> parallel = row(rows, "peer", "Reactor parallel()", "set", "idle");
    lines.add(new Line("timer lateness p50, idle producer", "Reactor adapter", field(adapter, "p50Us", "µs"), "Reactor parallel()", field(parallel, "p50Us", "µs"), "≤ 150 µs", atMost(150)));
    lines.add(new Line("timer lateness p99, idle producer", "Reactor adapter", field(adapter, "p99Us", "µs"), "Reactor parallel()", field(parallel, "p99Us", "µs"), "≤ 2 000 µs", atMost(2000)));
    lines.add(new Line("timer early fires", "Reactor adapter", field(row(rows, "peer", "cmwq Reactor adapter", "set", "all"), "early", "timers"), null, null, "≤ 0 (never early)", atMost(0)));
  }

  static void footprint(List<Line> lines, List<Map<String, Object>> rows) {
    Map<String, Object> dw = row(rows, "peer", "cmwq");
    lines.add(new Line("memory per arm (re-used timer)", "DelayedWork", field(dw, "armBytes", "B"), "STPE",
        field(row(rows, "peer", "STPE"), "armBytes", "B"), "≤ 0 B (± GC noise: 1 B)", atMost(1)));
    for (String peer : List.of("STPE", "Netty HWT")) {
      lines.add(new Line("memory per pending timer", "DelayedWork (object + arm)", field(dw, "totalBytes", "B"), peer,
          field(row(rows, "peer", peer), "totalBytes", "B"), null, null));
    }
    lines.add(new Line("memory per schedule(task, delay)", "Reactor adapter", field(row(rows, "peer", "cmwq Reactor adapter"), "totalBytes", "B"),
        "Reactor parallel()", field(row(rows, "peer", "Reactor parallel()"), "totalBytes", "B"), "≤ 48 B", atMost(48)));
    lines.add(new Line("memory per scheduleDirect(task, delay)", "RxJava adapter", field(row(rows, "peer", "cmwq RxJava adapter"), "totalBytes", "B"),
        "RxJava computation()", field(row(rows, "peer", "RxJava computation()"), "totalBytes", "B"), "≤ 48 B", atMost(48)));
  }

  /** DESIGN §9 idle cost: no busy thread and no periodic wake-up with nothing queued or due. */
  static void idle(List<Line> lines, List<Map<String, Object>> rows) {
    Map<String, Object> cmwq = row(rows, "peer", "cmwq");
    for (String peer : List.of("Reactor parallel()", "Reactor boundedElastic()", "Netty HWT (1 ms tick)", "ForkJoinPool (no timer)")) {
      Map<String, Object> pr = row(rows, "peer", peer);
      lines.add(new Line("idle: wake-ups/s, a timer armed 1 h ahead", "runtime", field(cmwq, "wakeupsPerS", "/s"), peer,
          field(pr, "wakeupsPerS", "/s"), "≤ 0.5/s (none periodic)", atMost(0.5)));
      lines.add(new Line("idle: CPU ms/s, a timer armed 1 h ahead", "runtime", field(cmwq, "cpuMsPerS", "ms/s"), peer,
          field(pr, "cpuMsPerS", "ms/s"), "≤ 0.1 ms/s (no busy thread)", atMost(0.1)));
    }
  }
}
