package dev.cmwq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CPU-hog report's back-off (kernel {@code CONFIG_WQ_CPU_INTENSIVE_REPORT}, spec §3.4): from
 * the 4th hog of a function on, reported whenever {@code count + 1 - 4} is a power of two.
 */
class HogReportTest {

  @ParameterizedTest
  @ValueSource(longs = {4, 5, 7, 11, 19, 35, 67, 131, 1L << 40 | 3})
  void reportsAtTheBackOffCounts(long count) {
    assertThat(HogReport.shouldReport(count)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 2, 3, 6, 8, 9, 10, 12, 13, 18, 20, 34, 36, 100})
  void staysQuietBetweenThem(long count) {
    assertThat(HogReport.shouldReport(count)).isFalse();
  }

  @Test
  void theFirstFortyCountsReportExactlyTheSequence() {
    List<Long> reported = new ArrayList<>();
    for (long n = 1; n <= 40; n++) {
      if (HogReport.shouldReport(n)) {
        reported.add(n);
      }
    }
    assertThat(reported).containsExactly(4L, 5L, 7L, 11L, 19L, 35L);
  }

  @Test
  void countsEachFunctionSeparately() {
    HogReport r = new HogReport();
    Runnable f = () -> {};
    Runnable g = () -> {};
    dev.cmwq.Work wf = dev.cmwq.Work.of(f);
    dev.cmwq.Work wg = dev.cmwq.Work.of(g);
    for (int i = 0; i < 3; i++) {
      r.report(wf, 10_000_000L);
    }
    r.report(wg, 10_000_000L);
    assertThat(r.count(((WorkItem) wf).functionName())).isEqualTo(3);
    assertThat(r.count(((WorkItem) wg).functionName())).isEqualTo(1);
    assertThat(r.count("no.such.Function")).isZero();
  }
}
