package dev.cmwq.samples.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.samples.SampleRuntimes;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OrderedQueueTest extends SampleRuntimes {

  @Test
  void itemsRunOneAtATimeInQueueingOrder() throws Exception {
    OrderedQueue.Result r = OrderedQueue.run(runtime(2), QUIET);
    assertThat(r.applied()).containsExactlyElementsOf(IntStream.range(0, OrderedQueue.ENTRIES).boxed().toList());
    assertThat(r.maxConcurrent()).isEqualTo(1);
    assertThat(r.threads()).allSatisfy(t -> assertThat(t).matches(java.util.regex.Pattern.quote(prefix(0)) + "u\\d+:\\d+"));
  }
}
