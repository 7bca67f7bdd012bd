package dev.cmwq.samples.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.samples.SampleRuntimes;
import org.junit.jupiter.api.Test;

class DeclaredBlockingTest extends SampleRuntimes {

  @Test
  void aDeclaredBlockingCallHandsTheCpuSlotOver() throws Exception {
    DeclaredBlocking.Result r = DeclaredBlocking.run(runtime(1), QUIET);
    assertThat(r.cpuItemDoneWhileQueryBlocked()).isTrue();
    assertThat(r.duringQuery().blocked()).as("the querying worker counts as blocked").isGreaterThanOrEqualTo(1);
    assertThat(r.name()).isEqualTo("customer-42");
    assertThat(r.stats().started()).isEqualTo(2);
    assertThat(r.stats().completed()).isEqualTo(2);
    assertThat(r.stats().failed()).isZero();
  }
}
