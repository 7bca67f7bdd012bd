package dev.cmwq.samples.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.samples.SampleRuntimes;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BlockingCallsTest extends SampleRuntimes {

  @Test
  void manyBlockingCallsCompleteWithinTheWorkerCap() {
    BlockingCalls.Result r =
        BlockingCalls.run(runtime(b -> b.cpus(2).maxWorkers(BlockingCalls.MAX_WORKERS)), QUIET);
    assertThat(r.names())
        .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, BlockingCalls.ROWS).mapToObj(i -> "customer-" + i).toList());
    assertThat(r.threads()).allSatisfy(t -> assertThat(t).matches(java.util.regex.Pattern.quote(prefix(0)) + "[01]:\\d+"));
    assertThat(r.peakWorkers()).isBetween(1, BlockingCalls.MAX_WORKERS);
  }
}
