package dev.cmwq.samples.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueue;
import dev.cmwq.samples.SampleRuntimes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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

  @Test
  void aFailingTaskDoesNotStallItsKey() throws Exception {
    Workqueue wq = Workqueue.builder("keyed_failing").unbound().runtime(runtime(2)).build();
    PerKeyOrdered.KeyedStrands<String> strands = new PerKeyOrdered.KeyedStrands<>(wq);
    List<String> ran = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(1);
    strands.submit("k", () -> ran.add("before"));
    strands.submit("k", () -> {
      throw new IllegalStateException("expected by the test");
    });
    strands.submit("k", () -> {
      ran.add("after");
      done.countDown();
    });
    done.await();
    wq.destroy();
    assertThat(ran).containsExactly("before", "after");
    assertThat(failures).singleElement().satisfies(e -> assertThat(e).hasMessage("expected by the test"));
    failures.clear(); // the one failure this test provokes on purpose
  }
}
