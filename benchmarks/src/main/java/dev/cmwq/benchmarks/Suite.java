package dev.cmwq.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The whole DESIGN §9 comparison in one command: the JMH benchmarks through JMH's Java API, then
 * the {@code main()} harnesses in child JVMs, then one table of cmwq/peer ratios against the
 * targets.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.cmwq.benchmarks.Suite [--quick] [--out DIR]
 * </pre>
 *
 * <p>Writes into {@code DIR} (default {@code benchmarks/target/suite/}):
 *
 * <ul>
 *   <li>{@code results.json}: metadata (JVM, CPUs, max heap, OS, date, git commit, mode, wall
 *       time, JMH options), every JMH score in a flat list, JMH's own raw JSON per class, and each
 *       harness's report;
 *   <li>{@code ratios.md}: a Markdown table — benchmark, cmwq figure, peer figure, cmwq/peer,
 *       which direction is better, the DESIGN §9 target and whether it is met ({@link Ratios});
 *   <li>{@code jmh-*.json} and {@code *.json}: the per-run files the above were built from.
 * </ul>
 *
 * <p>Full mode forks one JVM per benchmark with short warm-up and measurement (sized so that the
 * whole suite stays under 10 minutes on 2 cores); the harnesses run at their default sizes, each in
 * its own JVM ({@code TimerFootprint} with {@code -Xmx4g}). Quick mode ({@code --quick}, the CI
 * run) runs JMH in this JVM ({@code -f 0}), with no warm-up and one 100 ms iteration, and the
 * harnesses at tiny sizes: it proves that everything executes; its figures mean nothing.
 *
 * <p>Full mode honours JMH's lock file ({@code /tmp/jmh.lock}): if another JMH is measuring on
 * the machine, the JMH part fails rather than disturb it or be disturbed; add {@code
 * -Djmh.ignoreLock=true} to run anyway. Quick mode ignores the lock.
 *
 * <p>A benchmark class that is not in the jar (not written yet) is reported as a warning and its
 * rows read "not run". A benchmark or harness that fails makes the exit status 1; a target that is
 * not met never does: speed is measured here, not tested.
 */
public final class Suite {

  static final String PACKAGE = "dev.cmwq.benchmarks.";

  private Suite() {}

  /** How one JMH class is run in full mode; quick mode overrides the times. */
  record JmhSpec(String className, boolean gcProfiler, int warmups, int iterations, long millisEach) {}

  /** The JMH classes, in run order, with their full-mode sizes. */
  static final List<JmhSpec> JMH =
      List.of(
          new JmhSpec("TinyTaskBenchmark", true, 2, 3, 1000),
          new JmhSpec("ReactorPipelineBenchmark", false, 1, 3, 1000),
          new JmhSpec("RxJavaPipelineBenchmark", false, 1, 3, 1000),
          new JmhSpec("TimerBenchmark", true, 1, 3, 1000));

  /**
   * One JMH score, flattened: {@code key} is {@code Class.method} plus {@code [p=v,…]} when the
   * benchmark has parameters.
   *
   * @param higherIsBetter throughput modes; time per operation is lower-is-better
   * @param allocBytesPerOp {@code gc.alloc.rate.norm} when the GC profiler ran, else NaN
   */
  record Score(
      String key,
      String className,
      String method,
      Map<String, String> params,
      String mode,
      double score,
      double error,
      String unit,
      boolean higherIsBetter,
      double allocBytesPerOp) {}

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Path out = Path.of("benchmarks", "target", "suite");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--out" -> {
          if (i + 1 >= args.length) {
            usage();
          }
          out = Path.of(args[++i]);
        }
        default -> usage();
      }
    }
    int status = new Suite.Run(quick, out).run();
    reportLingeringThreads();
    // the JMH benchmarks ran in this JVM in quick mode; whatever they left behind must not keep
    // CI waiting, but the lingering threads are named above
    System.exit(status);
  }

  private static void usage() {
    System.err.println("usage: Suite [--quick] [--out DIR]");
    System.exit(2);
  }

  /** One execution of the suite. */
  static final class Run {
    final boolean quick;
    final Path out;
    final List<String> failures = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    final Map<String, Score> scores = new LinkedHashMap<>();
    final Map<String, Object> rawJmh = new LinkedHashMap<>();
    final Map<String, Object> harnesses = new LinkedHashMap<>();
    final Map<String, Object> timings = new LinkedHashMap<>();

    Run(boolean quick, Path out) {
      this.quick = quick;
      this.out = out;
    }

    int run() throws IOException {
      long start = System.nanoTime();
      Files.createDirectories(out);
      if (quick) {
        // JMH refuses to start while another JMH holds /tmp/jmh.lock, to keep measurements apart.
        // Quick figures are not measurements, and CI must not fail because a neighbour measures.
        System.setProperty("jmh.ignoreLock", "true");
      }
      System.out.printf(Locale.ROOT, "cmwq suite (%s) → %s%n", quick ? "quick" : "full", out.toAbsolutePath());
      String benchmarkList = benchmarkList();
      for (JmhSpec spec : JMH) {
        long t = System.nanoTime();
        runJmh(spec, benchmarkList);
        timings.put(spec.className(), seconds(System.nanoTime() - t));
      }
      List<String> footprintJvm = List.of(quick ? "-Xmx1g" : "-Xmx4g");
      for (String harness : List.of("MixedBlocking", "TimerLateness", "TimerFootprint", "IdleCost")) {
        long t = System.nanoTime();
        runHarness(harness, harness.equals("TimerFootprint") ? footprintJvm : List.of("-Xmx1g"));
        timings.put(harness, seconds(System.nanoTime() - t));
      }
      double wall = seconds(System.nanoTime() - start);

      Map<String, Object> meta = metadata(wall);
      String table = Ratios.markdown(scores, harnesses, meta, quick);
      Files.writeString(out.resolve("ratios.md"), table, StandardCharsets.UTF_8);

      Map<String, Object> results = Json.object();
      results.put("metadata", meta);
      results.put("failures", failures);
      results.put("warnings", warnings);
      List<Object> flat = new ArrayList<>();
      for (Score s : scores.values()) {
        Map<String, Object> m = Json.object();
        m.put("key", s.key());
        m.put("class", s.className());
        m.put("method", s.method());
        m.put("params", s.params());
        m.put("mode", s.mode());
        m.put("score", s.score());
        m.put("error", s.error());
        m.put("unit", s.unit());
        m.put("allocBytesPerOp", s.allocBytesPerOp());
        flat.add(m);
      }
      results.put("jmhScores", flat);
      results.put("jmhRaw", rawJmh);
      results.put("harnesses", harnesses);
      Json.write(out.resolve("results.json"), results);

      System.out.println();
      System.out.println(table);
      for (String w : warnings) {
        System.out.println("WARNING: " + w);
      }
      for (String f : failures) {
        System.out.println("FAILED: " + f);
      }
      System.out.printf(
          Locale.ROOT,
          "suite %s: %.1f s; wrote %s and %s%n",
          failures.isEmpty() ? "ran" : "FAILED",
          wall,
          out.resolve("results.json"),
          out.resolve("ratios.md"));
      return failures.isEmpty() ? 0 : 1;
    }

    Map<String, Object> metadata(double wallSeconds) {
      Map<String, Object> m = Json.object();
      m.put("mode", quick ? "quick" : "full");
      m.put("date", Instant.now().toString());
      m.put("wallSeconds", wallSeconds);
      m.put("secondsPerPart", timings);
      m.put("javaVmName", System.getProperty("java.vm.name"));
      m.put("javaVersion", System.getProperty("java.version"));
      m.put("javaVmVersion", System.getProperty("java.vm.version"));
      m.put("availableProcessors", Runtime.getRuntime().availableProcessors());
      m.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
      m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
      m.put("gitCommit", gitCommit());
      m.put("jmhVersion", jmhVersion());
      List<Object> specs = new ArrayList<>();
      for (JmhSpec s : JMH) {
        Map<String, Object> o = Json.object();
        o.put("class", s.className());
        o.put("forks", quick ? 0 : 1);
        o.put("warmupIterations", quick ? 0 : s.warmups());
        o.put("iterations", quick ? 1 : s.iterations());
        o.put("millisPerIteration", quick ? 100 : s.millisEach());
        o.put("gcProfiler", s.gcProfiler());
        specs.add(o);
      }
      m.put("jmhOptions", specs);
      return m;
    }

    void runJmh(JmhSpec spec, String benchmarkList) {
      String fqcn = PACKAGE + spec.className();
      if (!Pattern.compile("\\s" + Pattern.quote(fqcn) + "\\s").matcher(benchmarkList).find()) {
        warnings.add(spec.className() + " is not in this jar: its rows are \"not run\"");
        System.out.println("WARNING: " + spec.className() + " is not in this jar; skipped");
        return;
      }
      Path json = out.resolve("jmh-" + spec.className() + ".json");
      ChainedOptionsBuilder b =
          new OptionsBuilder()
              .include("^" + Pattern.quote(fqcn) + "\\.")
              .forks(quick ? 0 : 1)
              .warmupIterations(quick ? 0 : spec.warmups())
              .warmupTime(TimeValue.milliseconds(quick ? 100 : spec.millisEach()))
              .measurementIterations(quick ? 1 : spec.iterations())
              .measurementTime(TimeValue.milliseconds(quick ? 100 : spec.millisEach()))
              .resultFormat(ResultFormatType.JSON)
              .result(json.toString())
              .shouldFailOnError(true);
      if (spec.gcProfiler()) {
        b.addProfiler(GCProfiler.class);
      }
      try {
        Collection<RunResult> results = new Runner(b.build()).run();
        for (RunResult rr : results) {
          Score s = score(spec.className(), rr);
          scores.put(s.key(), s);
        }
        if (results.isEmpty()) {
          failures.add(spec.className() + ": JMH returned no result");
        }
      } catch (Exception | Error e) {
        failures.add(spec.className() + ": " + e);
        e.printStackTrace();
      }
      try {
        if (Files.exists(json)) {
          rawJmh.put(spec.className(), new Json.Raw(Files.readString(json, StandardCharsets.UTF_8)));
        }
      } catch (IOException e) {
        warnings.add("could not read " + json + ": " + e);
      }
    }

    /** Runs one harness in a child JVM of the same {@code java} and class path; reads its JSON. */
    void runHarness(String name, List<String> jvmArgs) {
      Path json = out.resolve(name + ".json");
      List<String> cmd = new ArrayList<>();
      cmd.add(javaCommand());
      cmd.addAll(jvmArgs);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(PACKAGE + name);
      if (quick) {
        cmd.add("--quick");
      }
      cmd.add("--json");
      cmd.add(json.toString());
      System.out.println();
      System.out.println("# " + String.join(" ", cmd.subList(0, Math.min(cmd.size(), 2))) + " … " + name + (quick ? " --quick" : ""));
      try {
        Files.deleteIfExists(json);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        long limit = childTimeout(quick).toSeconds();
        if (!p.waitFor(limit, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          failures.add(name + ": did not finish within " + limit + " s");
          return;
        }
        if (p.exitValue() != 0) {
          failures.add(name + ": exit status " + p.exitValue());
          return;
        }
        harnesses.put(name, Json.read(json));
      } catch (IOException | RuntimeException e) {
        failures.add(name + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures.add(name + ": interrupted");
      }
    }
  }

  static Score score(String className, RunResult rr) {
    BenchmarkParams p = rr.getParams();
    String method = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.') + 1);
    Map<String, String> params = new TreeMap<>();
    for (String k : p.getParamsKeys()) {
      params.put(k, p.getParam(k));
    }
    StringBuilder key = new StringBuilder(className).append('.').append(method);
    if (!params.isEmpty()) {
      key.append('[');
      String sep = "";
      for (Map.Entry<String, String> e : params.entrySet()) {
        key.append(sep).append(e.getKey()).append('=').append(e.getValue());
        sep = ",";
      }
      key.append(']');
    }
    Result<?> primary = rr.getPrimaryResult();
    Result<?> alloc = rr.getSecondaryResults().get("gc.alloc.rate.norm");
    return new Score(
        key.toString(),
        className,
        method,
        params,
        p.getMode().shortLabel(),
        primary.getScore(),
        primary.getScoreError(),
        primary.getScoreUnit(),
        p.getMode() == Mode.Throughput,
        alloc == null ? Double.NaN : alloc.getScore());
  }

  /** Returns: the jar's {@code META-INF/BenchmarkList}, which names every generated benchmark. */
  static String benchmarkList() throws IOException {
    try (InputStream in = Suite.class.getResourceAsStream("/META-INF/BenchmarkList")) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static String javaCommand() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** Returns: {@code git rev-parse HEAD} in the working directory, or null if git cannot say. */
  static String gitCommit() {
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || !text.matches("[0-9a-f]{40}")) {
        return null;
      }
      Process dirty = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no").redirectErrorStream(true).start();
      String changes = new String(dirty.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      dirty.waitFor(10, TimeUnit.SECONDS);
      return changes.isEmpty() ? text : text + " (with uncommitted changes)";
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  static String jmhVersion() {
    Package p = Runner.class.getPackage();
    return p == null ? null : p.getImplementationVersion();
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e8) / 10.0;
  }

  /** Names the non-daemon threads still alive besides this one: something was not shut down. */
  static void reportLingeringThreads() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t != Thread.currentThread() && t.isAlive() && !t.isDaemon() && !"DestroyJavaVM".equals(t.getName())) {
        System.out.println("WARNING: non-daemon thread still alive at the end: " + t.getName());
      }
    }
  }

  /** Returns: how long a harness's child JVM may take before it is killed and counted as failed. */
  static Duration childTimeout(boolean quick) {
    return Duration.ofSeconds(quick ? 120 : 600);
  }
}
