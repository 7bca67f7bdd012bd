package dev.cmwq.samples.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.samples.SampleRuntimes;
import org.junit.jupiter.api.Test;

class FlushDrainCancelTest extends SampleRuntimes {

  @Test
  void eachCallWaitsForAndReturnsWhatTheKernelSays() throws Exception {
    FlushDrainCancel.Result r = FlushDrainCancel.run(runtime(2), QUIET);
    assertThat(r.flushOfQueued()).isTrue();
    assertThat(r.flushOfIdle()).isFalse();
    assertThat(r.ranBeforeWqFlushReturned()).isEqualTo(10);
    assertThat(r.chainRunsAfterDrain()).isEqualTo(FlushDrainCancel.CHAIN_LENGTH);
    assertThat(r.rejectedWhileDraining()).isTrue();
    assertThat(r.cancelOfPending()).isTrue();
    assertThat(r.cancelledRan()).isFalse();
    assertThat(r.cancelOfIdle()).isFalse();
    assertThat(r.cancelSyncOfRunning()).as("cancelSync of a running, not pending, item").isFalse();
    assertThat(r.finishedWhenCancelSyncReturned()).isTrue();
    assertThat(r.disableOfPending()).isTrue();
    assertThat(r.queueWhileDisabled()).isFalse();
    assertThat(r.enabled()).isTrue();
    assertThat(r.queueAfterEnable()).isTrue();
  }
}
