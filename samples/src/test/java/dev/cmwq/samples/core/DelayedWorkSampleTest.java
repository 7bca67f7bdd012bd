package dev.cmwq.samples.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.ManualTimeSource;
import dev.cmwq.samples.SampleRuntimes;
import org.junit.jupiter.api.Test;

class DelayedWorkSampleTest extends SampleRuntimes {

  @Test
  void debounceRunsOnceAfterTheQuietPeriodAndCancelDisarms() throws Exception {
    ManualTimeSource clock = new ManualTimeSource();
    DelayedWorkSample.Result r = DelayedWorkSample.run(runtime(b -> b.cpus(2).timeSource(clock)), clock, QUIET);
    assertThat(r.firstMod()).as("modDelayedWork of an idle item").isFalse();
    assertThat(r.laterMods()).as("modDelayedWork of an armed item").isTrue();
    assertThat(r.savesBeforeQuiet()).isZero();
    assertThat(r.savesAfterQuiet()).isEqualTo(1);
    assertThat(r.firstArm()).isTrue();
    assertThat(r.secondArm()).as("queueDelayedWork while armed").isFalse();
    assertThat(r.cancelled()).isTrue();
    assertThat(r.cancelledAgain()).isFalse();
    assertThat(r.reminderRuns()).isZero();
  }
}
