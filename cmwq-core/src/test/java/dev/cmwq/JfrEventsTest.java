package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JFR events that mirror the kernel's tracepoints (spec §4.3; DESIGN §3 "tracepoints → JFR
 * events"): queue, execute and CPU-intensive events carry the workqueue's name and come once per
 * occurrence.
 */
class JfrEventsTest extends TestRuntimes {

  @TempDir Path tmp;

  private static List<RecordedEvent> read(Recording r, Path file) throws IOException {
    r.dump(file);
    return RecordingFile.readAllEvents(file);
  }

  private static Map<String, Long> countByType(List<RecordedEvent> events, String workqueue) {
    return events.stream()
        .filter(e -> e.getEventType().getName().startsWith("dev.cmwq."))
        .filter(e -> e.hasField("workqueue") && workqueue.equals(e.getString("workqueue")))
        .collect(Collectors.groupingBy(e -> e.getEventType().getName(), Collectors.counting()));
  }

  @Test
  void queueExecuteAndCpuIntensiveEventsAreRecordedPerItem() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ofMillis(5)));
    Workqueue wq = Workqueue.builder("jfr-items").runtime(rt).build();
    Workqueue other = Workqueue.builder("jfr-other").runtime(rt).build();
    List<RecordedEvent> events;
    try (Recording r = new Recording()) {
      r.enable("dev.cmwq.QueueWork");
      r.enable("dev.cmwq.ExecuteWork").withThreshold(Duration.ZERO);
      r.enable("dev.cmwq.CpuIntensive");
      r.start();

      int quick = 5;
      CountDownLatch ran = new CountDownLatch(quick);
      for (int i = 0; i < quick; i++) {
        assertThat(wq.queueWorkOn(0, Work.of(ran::countDown))).isTrue();
      }
      assertThat(ran.await(10, SECONDS)).isTrue();
      wq.flush();
      // one spinner of at least 20 ms of CPU, until the sampler has flagged it
      long[] spunNanos = new long[1];
      assertThat(
              wq.queueWorkOn(
                  0,
                  Work.of(
                      () -> {
                        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                        long start = mx.getCurrentThreadCpuTime();
                        long deadline = System.nanoTime() + SECONDS.toNanos(10);
                        while ((wq.stats().cpuIntensive() == 0 || mx.getCurrentThreadCpuTime() - start < 20_000_000L)
                            && System.nanoTime() - deadline < 0) {
                          Thread.onSpinWait();
                        }
                        spunNanos[0] = mx.getCurrentThreadCpuTime() - start;
                      })))
          .isTrue();
      wq.flush();
      assertThat(other.queueWorkOn(0, Work.of(() -> {}))).isTrue();
      other.flush();
      r.stop();
      events = read(r, tmp.resolve("items.jfr"));
      assertThat(wq.stats().cpuIntensive()).isEqualTo(1);
    }

    Map<String, Long> mine = countByType(events, "jfr-items");
    assertThat(mine).containsEntry("dev.cmwq.QueueWork", 6L);
    assertThat(mine).containsEntry("dev.cmwq.ExecuteWork", 6L);
    assertThat(mine).containsEntry("dev.cmwq.CpuIntensive", 1L);
    Map<String, Long> theirs = countByType(events, "jfr-other");
    assertThat(theirs).containsEntry("dev.cmwq.QueueWork", 1L).containsEntry("dev.cmwq.ExecuteWork", 1L);
    assertThat(theirs).doesNotContainKey("dev.cmwq.CpuIntensive");

    List<RecordedEvent> queued =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("dev.cmwq.QueueWork"))
            .filter(e -> "jfr-items".equals(e.getString("workqueue")))
            .collect(Collectors.toList());
    assertThat(queued).allSatisfy(e -> assertThat(e.getInt("cpu")).isZero());
    assertThat(queued).allSatisfy(e -> assertThat(e.getString("function")).isNotBlank());

    List<RecordedEvent> executed =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("dev.cmwq.ExecuteWork"))
            .filter(e -> "jfr-items".equals(e.getString("workqueue")))
            .collect(Collectors.toList());
    assertThat(executed).allSatisfy(e -> assertThat(e.getBoolean("failed")).isFalse());
    RecordedEvent longest = executed.stream().max((a, b) -> a.getDuration().compareTo(b.getDuration())).orElseThrow();
    assertThat(longest.getDuration()).as("the spinner's execution is the long one").isGreaterThanOrEqualTo(Duration.ofMillis(5));

    RecordedEvent hog =
        events.stream().filter(e -> e.getEventType().getName().equals("dev.cmwq.CpuIntensive")).findFirst().orElseThrow();
    assertThat(hog.getString("workqueue")).isEqualTo("jfr-items");
    assertThat(hog.getString("worker")).matches("kworker/0:\\d+");
  }

  @Test
  void theExecuteEventMarksAFailedItem() throws Exception {
    expectFailures = true;
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("jfr-fail").runtime(rt).build();
    List<RecordedEvent> events;
    try (Recording r = new Recording()) {
      r.enable("dev.cmwq.ExecuteWork").withThreshold(Duration.ZERO);
      r.start();
      assertThat(
              wq.queueWork(
                  Work.of(
                      () -> {
                        throw new IllegalStateException("boom");
                      })))
          .isTrue();
      assertThat(wq.queueWork(Work.of(() -> {}))).isTrue();
      wq.flush();
      r.stop();
      events = read(r, tmp.resolve("fail.jfr"));
    }
    List<Boolean> failed =
        events.stream()
            .filter(e -> e.getEventType().getName().equals("dev.cmwq.ExecuteWork"))
            .filter(e -> "jfr-fail".equals(e.getString("workqueue")))
            .map(e -> e.getBoolean("failed"))
            .collect(Collectors.toList());
    assertThat(failed).containsExactlyInAnyOrder(true, false);
    assertThat(failures).hasSize(1).first().satisfies(t -> assertThat(t).hasMessage("boom"));
    assertThat(wq.stats().failed()).isEqualTo(1);
  }

  @Test
  void executeEventsBelowTheDefaultOneMillisecondThresholdAreNotRecorded() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("jfr-threshold").runtime(rt).build();
    List<RecordedEvent> events;
    try (Recording r = new Recording()) {
      r.enable("dev.cmwq.QueueWork");
      r.enable("dev.cmwq.ExecuteWork"); // the event's own @Threshold("1 ms")
      r.start();
      int n = 20;
      for (int i = 0; i < n; i++) {
        assertThat(wq.queueWork(Work.of(() -> {}))).isTrue();
      }
      wq.flush();
      r.stop();
      events = read(r, tmp.resolve("threshold.jfr"));
    }
    Map<String, Long> c = countByType(events, "jfr-threshold");
    assertThat(c).containsEntry("dev.cmwq.QueueWork", 20L);
    assertThat(c.getOrDefault("dev.cmwq.ExecuteWork", 0L)).as("no-op items are far below 1 ms").isLessThan(20L);
  }

  /**
   * A recording that is already running when cmwq is first used, as with
   * {@code -XX:StartFlightRecording}, must capture cmwq's events too. Run in a fresh JVM, since
   * in this one cmwq was loaded long ago.
   */
  @Test
  void aRecordingStartedBeforeCmwqIsFirstUsedCapturesItsEvents() throws Exception {
    Path out = tmp.resolve("child.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p =
        new ProcessBuilder(
                java, "-cp", classPath, RecordingFirst.class.getName(), out.toString(), tmp.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile())
            .start();
    try {
      assertThat(p.waitFor(60, SECONDS)).as("child JVM finished").isTrue();
    } finally {
      p.destroyForcibly();
    }
    String log = Files.readString(tmp.resolve("child.log"), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("child JVM exit; log:%n%s", log).isZero();
    Map<String, Long> counts =
        Files.readAllLines(out, StandardCharsets.UTF_8).stream()
            .map(l -> l.split("="))
            .collect(Collectors.toMap(a -> a[0], a -> Long.parseLong(a[1])));
    assertThat(counts).containsEntry("dev.cmwq.QueueWork", 3L).containsEntry("dev.cmwq.ExecuteWork", 3L);
  }

  /** The child JVM of {@link #aRecordingStartedBeforeCmwqIsFirstUsedCapturesItsEvents}. */
  static final class RecordingFirst {
    public static void main(String[] args) throws Exception {
      Path out = Path.of(args[0]);
      Path dir = Path.of(args[1]);
      Map<String, Long> counts;
      try (Recording r = new Recording()) {
        r.enable("dev.cmwq.QueueWork");
        r.enable("dev.cmwq.ExecuteWork").withThreshold(Duration.ZERO);
        r.start(); // before any cmwq class is loaded
        WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(1).build();
        try {
          Workqueue wq = Workqueue.builder("jfr-first").runtime(rt).build();
          for (int i = 0; i < 3; i++) {
            wq.queueWork(Work.of(() -> {}));
          }
          wq.flush();
        } finally {
          rt.shutdown();
          rt.awaitTermination(Duration.ofSeconds(10));
        }
        r.stop();
        Path file = dir.resolve("child.jfr");
        r.dump(file);
        counts =
            RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("dev.cmwq."))
                // other cmwq events (a worker created under load, a hog report) carry no
                // workqueue field
                .filter(e -> e.hasField("workqueue") && "jfr-first".equals(e.getString("workqueue")))
                .collect(Collectors.groupingBy(e -> e.getEventType().getName(), Collectors.counting()));
      }
      StringBuilder sb = new StringBuilder();
      for (String type : List.of("dev.cmwq.QueueWork", "dev.cmwq.ExecuteWork")) {
        sb.append(type).append('=').append(counts.getOrDefault(type, 0L)).append('\n');
      }
      Files.writeString(out, sb.toString(), StandardCharsets.UTF_8);
    }
  }
}
