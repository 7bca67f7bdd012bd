package dev.cmwq.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.WorkqueueStats;
import dev.cmwq.samples.demo.Comparison;
import dev.cmwq.samples.demo.PhaseResult;
import dev.cmwq.samples.demo.Workload;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * The demo's quick run, end to end: every scheduler gets and finishes every item, the tables
 * hold what they claim, and nothing is left running. No assertion depends on how fast anything
 * was; those numbers are the demo's output, not its contract.
 */
class DemoTest {

  private static Demo.Result result;
  private static String text;
  private static int items;

  @BeforeAll
  static void runQuickDemo() throws InterruptedException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    Demo.Options quick = Demo.Options.quick();
    items = quick.workload().items();
    result = Demo.run(quick, new PrintStream(buf, true, StandardCharsets.UTF_8));
    text = buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everySchedulerFinishesEveryItemAndLeavesNoThreadBehind() {
    assertThat(result.phases()).extracting(PhaseResult::label)
        .containsExactly("parallel()", "boundedElastic()", "cmwq bound()");
    for (PhaseResult r : result.phases()) {
      assertThat(r.items()).as(r.label()).isEqualTo(items);
      assertThat(r.completed()).as(r.label()).isEqualTo(items);
      assertThat(r.failed()).as(r.label()).isZero();
      assertThat(r.makespanNanos()).as(r.label()).isGreaterThanOrEqualTo(r.lastArrivalNanos());
      assertThat(r.p50Nanos()).as(r.label()).isPositive().isLessThanOrEqualTo(r.p99Nanos());
      assertThat(r.peakThreads()).as(r.label()).isPositive();
      assertThat(r.threadsLeft()).as(r.label()).isZero();
    }
  }

  @Test
  void threadCountsStayWithinEachSchedulersDesign() {
    assertThat(phase("parallel()").peakThreads()).isLessThanOrEqualTo(Schedulers.DEFAULT_POOL_SIZE);
    // up to the cap of workers, plus the evictor
    assertThat(phase("boundedElastic()").peakThreads())
        .isLessThanOrEqualTo(Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE + 1);
  }

  @Test
  void cmwqColumnsAddUpToTheItems() {
    WorkqueueStats s = phase("cmwq bound()").stats().orElseThrow();
    assertThat(s.started()).isEqualTo(items); // the warm-up is not counted
    assertThat(s.completed()).isEqualTo(items);
    assertThat(s.inFlight()).isZero();
    assertThat(s.inactive()).isZero();
    assertThat(s.failed()).isZero();
    assertThat(s.mayday()).isZero();
    assertThat(s.rescued()).isZero();
    // nothing declares the sleeps: the runtime noticed them and woke another worker
    assertThat(s.cmWakeups()).isPositive();
    assertThat(phase("parallel()").stats()).isEmpty();
    assertThat(phase("boundedElastic()").stats()).isEmpty();
  }

  @Test
  void outputHasLiveRowsAndOneFinalRowPerScheduler() {
    assertThat(text).contains("total", "infl", "CPUtime", "CPUitsv", "CMW/RPR", "mayday", "rescued");
    for (String label : List.of("parallel()", "boundedElastic()", "cmwq bound()")) {
      assertThat(text).contains(label + " closed: all its threads have exited");
      Pattern finalRow = Pattern.compile("(?m)^" + Pattern.quote(label) + " +" + items + " +0 +");
      assertThat(finalRow.matcher(text).results().count()).as(label).isEqualTo(1);
    }
    // the last live row of each phase shows everything done, nothing left
    Pattern doneRow = Pattern.compile("(?m)^ *[0-9.]+s +" + items + " +" + items + " +0 ");
    // one per phase, or two if a tick raced the end
    assertThat(doneRow.matcher(text).results().count()).isGreaterThanOrEqualTo(3);
    // the closing sentences are there, wrapped
    String unwrapped = text.replaceAll("\\s+", " ");
    for (String sentence : Comparison.sentences(Demo.Options.quick().workload(), result.phases())) {
      assertThat(unwrapped).contains(sentence);
    }
  }

  @Test
  void sentencesFollowTheNumbers() {
    Workload w = Demo.Options.quick().workload();
    long s = 1_000_000_000L;
    PhaseResult slow = new PhaseResult("A", 10, 10, 0, s, 3 * s, 2, s, 2 * s, Optional.empty(), 0);
    PhaseResult many = new PhaseResult("B", 10, 10, 0, s, s + 1_000_000, 20, 1_000, 40_000_000, Optional.empty(), 0);
    PhaseResult few = new PhaseResult("C", 10, 10, 0, s, s + 1_000_000, 5, 1_000, 20_000_000, Optional.empty(), 0);

    List<String> told = Comparison.sentences(w, List.of(slow, many, few));
    assertThat(told.get(0)).contains("Kept pace", "B with 20 threads", "C with 5 threads", "Fell behind: A", "2.00s");
    assertThat(told.get(1)).contains("C needed 4.0× fewer threads than B (5 vs 20)");

    // the other way round: the numbers decide, not the names
    PhaseResult fewSlow = new PhaseResult("C", 10, 10, 0, s, 3 * s, 5, s, 2 * s, Optional.empty(), 0);
    told = Comparison.sentences(w, List.of(many, fewSlow));
    assertThat(told).hasSize(1);
    assertThat(told.get(0)).contains("Kept pace", "B with 20 threads", "Fell behind: C");
  }

  @Test
  void optionsAreQuickOrFull() {
    assertThat(Demo.Options.parse("--quick")).isEqualTo(Demo.Options.quick());
    assertThat(Demo.Options.parse()).isEqualTo(Demo.Options.full());
    assertThat(Demo.Options.full().workload().arrivals()).isEqualTo(Duration.ofSeconds(15));
    assertThatThrownBy(() -> Demo.Options.parse("--fast")).isInstanceOf(IllegalArgumentException.class);
  }

  private static PhaseResult phase(String label) {
    return result.phases().stream().filter(r -> r.label().equals(label)).findFirst().orElseThrow();
  }
}
