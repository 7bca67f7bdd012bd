package dev.cmwq.samples.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.samples.SampleRuntimes;
import org.junit.jupiter.api.Test;

class WorkItemsTest extends SampleRuntimes {

  @Test
  void queueingIsIdempotentAndAnItemNeverOverlapsItself() throws Exception {
    WorkItems.Result r = WorkItems.run(runtime(2), QUIET);
    assertThat(r.firstQueue()).isTrue();
    assertThat(r.secondQueue()).as("queueWork while pending").isFalse();
    assertThat(r.runsOfCoalesced()).isEqualTo(1);
    assertThat(r.requeuedWhileRunning()).as("queueWork while running").isTrue();
    assertThat(r.runsOfRequeued()).isEqualTo(2);
    assertThat(r.overlapped()).isFalse();
    assertThat(r.accumulated()).isEqualTo(55);
  }
}
