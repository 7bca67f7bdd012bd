package dev.cmwq.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;

/**
 * Many-iteration races of the strand's idle ⇄ busy hand-off: producers that schedule while the
 * strand is going idle must never be lost (a lost signal leaves a task queued for ever).
 */
class StrandRaceTest {

  @Test
  void noTaskIsLostWhileTheStrandGoesIdleAndBusyAgain() throws Exception {
    try (TestRuntime t = new TestRuntime()) {
      WorkqueueScheduler s = CmwqSchedulers.bound(t.rt);
      int producers = 3;
      int rounds = 2_000;
      int perRound = 3;
      AtomicInteger ran = new AtomicInteger();
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger overlap = new AtomicInteger();
      for (int worker = 0; worker < 5; worker++) {
        Scheduler.Worker w = s.createWorker();
        CountDownLatch all = new CountDownLatch(producers * rounds * perRound);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
          threads.add(
              new Thread(
                  () -> {
                    for (int r = 0; r < rounds; r++) {
                      for (int k = 0; k < perRound; k++) {
                        w.schedule(
                            () -> {
                              if (inside.incrementAndGet() != 1) {
                                overlap.incrementAndGet();
                              }
                              ran.incrementAndGet();
                              for (int spin = 0; spin < 20; spin++) { // widen the drain: producers overlap it
                                Thread.onSpinWait();
                              }
                              inside.decrementAndGet();
                              all.countDown();
                            });
                      }
                      Thread.onSpinWait(); // small bursts: the strand keeps going idle in between
                    }
                  }));
        }
        threads.forEach(Thread::start);
        for (Thread th : threads) {
          th.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertThat(all.await(10, TimeUnit.SECONDS)).as("every task ran (%d left)", all.getCount()).isTrue();
        w.dispose();
      }
      assertThat(overlap).hasValue(0);
      assertThat(ran).hasValue(5 * producers * rounds * perRound);
      s.dispose();
      s.disposeGracefully().block(java.time.Duration.ofSeconds(5));
    }
  }
}
