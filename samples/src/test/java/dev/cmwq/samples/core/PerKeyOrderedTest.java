package dev.cmwq.samples.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.samples.SampleRuntimes;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PerKeyOrderedTest extends SampleRuntimes {

  @Test
  void orderIsKeptPerKeyWhileKeysRunInParallelAndIdleStrandsRetire() throws Exception {
    PerKeyOrdered.Result r = PerKeyOrdered.run(runtime(2), QUIET);
    List<Integer> expected = IntStream.range(0, PerKeyOrdered.OPS_PER_ACCOUNT).boxed().toList();
    assertThat(r.opsByAccount()).hasSize(PerKeyOrdered.ACCOUNTS);
    assertThat(r.opsByAccount().values()).allSatisfy(ops -> assertThat(ops).containsExactlyElementsOf(expected));
    assertThat(r.accountsRanInParallel()).isTrue();
    assertThat(r.strandsLeft()).isZero();
  }
}
