package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * max_active (spec §6 items 9 and 10): per CPU slot for bound workqueues, workqueue-wide for
 * unbound ones; excess items are held back ("inactive") and activated in FIFO order.
 */
class MaxActiveTest extends TestRuntimes {

  /** Declared blocking: lets concurrency management start the CPU slot's next item meanwhile. */
  private static void blockOn(CountDownLatch latch) {
    try {
      if (!Workqueues.blocking(() -> latch.await(10, SECONDS))) {
        throw new AssertionError("gate was not opened in time");
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void boundMaxActiveLimitsEachCpuSlotAndHoldsTheRestBack() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("ma-bound").maxActive(2).runtime(rt).build();
    int perSlot = 5;
    AtomicInteger[] running = {new AtomicInteger(), new AtomicInteger()};
    AtomicInteger[] maxRunning = {new AtomicInteger(), new AtomicInteger()};
    List<String> wrongSlot = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch started = new CountDownLatch(4);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(2 * perSlot);

    for (int i = 0; i < perSlot; i++) {
      for (int cpu = 0; cpu < 2; cpu++) {
        int slot = cpu;
        Work w =
            Work.of(
                () -> {
                  String name = Thread.currentThread().getName();
                  if (!name.startsWith("kworker/" + slot + ":")) {
                    wrongSlot.add(name + " for slot " + slot);
                  }
                  int now = running[slot].incrementAndGet();
                  maxRunning[slot].accumulateAndGet(now, Math::max);
                  started.countDown();
                  blockOn(gate);
                  running[slot].decrementAndGet();
                  done.countDown();
                });
        assertThat(wq.queueWorkOn(slot, w)).isTrue();
      }
    }

    awaitLatch(started); // two per slot have started and are blocked
    WorkqueueStats held = wq.stats();
    assertThat(held.inactive()).as("3 of 5 held back on each of 2 slots").isEqualTo(6);
    assertThat(held.started()).isEqualTo(4);
    assertThat(held.inFlight()).isEqualTo(4);
    assertThat(wq.congested(0)).isTrue();
    assertThat(wq.congested(1)).isTrue();

    gate.countDown();
    awaitLatch(done);
    wq.flush();

    assertThat(maxRunning[0].get()).as("max concurrency on slot 0").isEqualTo(2);
    assertThat(maxRunning[1].get()).as("max concurrency on slot 1").isEqualTo(2);
    assertThat(wrongSlot).isEmpty();
    assertThat(wq.congested(0)).isFalse();
    assertThat(wq.congested(1)).isFalse();
    WorkqueueStats after = wq.stats();
    assertThat(after.inactive()).isZero();
    assertThat(after.started()).isEqualTo(10);
    assertThat(after.completed()).isEqualTo(10);
    assertThat(after.inFlight()).isZero();
  }

  @Test
  void heldBackItemsAreActivatedInFifoOrder() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("ma-fifo").maxActive(1).runtime(rt).build();
    CountDownLatch blockerRunning = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    wq.queueWork(
        Work.of(
            () -> {
              blockerRunning.countDown();
              blockOn(gate);
            }));
    awaitLatch(blockerRunning);

    int n = 20;
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      int id = i;
      assertThat(
              wq.queueWork(
                  Work.of(
                      () -> {
                        order.add(id);
                        done.countDown();
                      })))
          .isTrue();
    }
    assertThat(wq.stats().inactive()).isEqualTo(n);
    assertThat(wq.congested(0)).isTrue();
    assertThat(order).as("nothing held back has run").isEmpty();

    gate.countDown();
    awaitLatch(done);
    wq.flush();
    assertThat(order).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    assertThat(wq.congested(0)).isFalse();
  }

  @Test
  void unboundMaxActiveIsWorkqueueWide() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    int max = 3;
    int producers = 3;
    int perProducer = max; // 3N items in all
    Workqueue wq = Workqueue.builder("ma-unbound").unbound().maxActive(max).runtime(rt).build();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    CountDownLatch firstStarted = new CountDownLatch(max);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(producers * perProducer);
    AtomicInteger queued = new AtomicInteger();

    CyclicBarrier go = new CyclicBarrier(producers);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> producerErrors = Collections.synchronizedList(new ArrayList<>());
    for (int p = 0; p < producers; p++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await(10, SECONDS);
                  for (int i = 0; i < perProducer; i++) {
                    Work w =
                        Work.of(
                            () -> {
                              int now = running.incrementAndGet();
                              maxRunning.accumulateAndGet(now, Math::max);
                              firstStarted.countDown();
                              try {
                                // undeclared: unbound workqueues are not concurrency-managed
                                if (!gate.await(10, SECONDS)) {
                                  throw new AssertionError("gate was not opened in time");
                                }
                              } catch (InterruptedException e) {
                                throw new AssertionError(e);
                              } finally {
                                running.decrementAndGet();
                              }
                              done.countDown();
                            });
                    if (wq.queueWork(w)) {
                      queued.incrementAndGet();
                    }
                  }
                } catch (Throwable e) {
                  producerErrors.add(e);
                }
              },
              "producer-" + p);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(producerErrors).isEmpty();
    assertThat(queued.get()).isEqualTo(producers * perProducer);

    awaitLatch(firstStarted);
    WorkqueueStats held = wq.stats();
    assertThat(held.started()).as("started while the first %d hold", max).isEqualTo(max);
    assertThat(held.inactive()).isEqualTo(producers * perProducer - max);
    assertThat(running.get()).isEqualTo(max);

    gate.countDown();
    awaitLatch(done);
    wq.flush();
    assertThat(maxRunning.get()).as("never more than max_active running").isEqualTo(max);
    WorkqueueStats after = wq.stats();
    assertThat(after.started()).isEqualTo(producers * perProducer);
    assertThat(after.completed()).isEqualTo(producers * perProducer);
    assertThat(after.inactive()).isZero();
  }

  @Test
  void setMaxActiveRaisesTheLimitAndReleasesHeldItemsInFifoOrder() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("ma-raise").maxActive(1).runtime(rt).build();
    CountDownLatch aRunning = new CountDownLatch(1);
    CountDownLatch aGate = new CountDownLatch(1);
    CountDownLatch restGate = new CountDownLatch(1);
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch bcStarted = new CountDownLatch(2);
    CountDownLatch done = new CountDownLatch(4);

    wq.queueWork(
        Work.of(
            () -> {
              aRunning.countDown();
              blockOn(aGate);
              done.countDown();
            }));
    awaitLatch(aRunning);
    for (String id : List.of("B", "C", "D")) {
      assertThat(
              wq.queueWork(
                  Work.of(
                      () -> {
                        order.add(id);
                        bcStarted.countDown();
                        blockOn(restGate);
                        done.countDown();
                      })))
          .isTrue();
    }
    assertThat(wq.stats().inactive()).isEqualTo(3);
    assertThat(wq.congested(0)).isTrue();

    wq.setMaxActive(3);
    assertThat(wq.maxActive()).isEqualTo(3);
    // A, B and C now hold the three slots; D stays held back
    assertThat(wq.stats().inactive()).isEqualTo(1);
    assertThat(wq.congested(0)).isTrue();
    awaitLatch(bcStarted);
    assertThat(order).containsExactly("B", "C");

    aGate.countDown();
    restGate.countDown();
    awaitLatch(done);
    wq.flush();
    assertThat(order).containsExactly("B", "C", "D");
    assertThat(wq.stats().inactive()).isZero();
    assertThat(wq.congested(0)).isFalse();
  }

  @Test
  void maxActiveIsClampedWithoutException() {
    WorkqueueRuntime rt = runtime(1);
    assertThat(Workqueue.builder("ma-dfl").maxActive(0).runtime(rt).build().maxActive()).isEqualTo(1024);
    assertThat(Workqueue.builder("ma-unset").runtime(rt).build().maxActive()).isEqualTo(1024);
    assertThat(Workqueue.builder("ma-high").maxActive(5000).runtime(rt).build().maxActive()).isEqualTo(2048);
    assertThat(Workqueue.builder("ma-neg").maxActive(-3).runtime(rt).build().maxActive()).isEqualTo(1);
    assertThat(Workqueue.builder("ma-top").maxActive(2048).runtime(rt).build().maxActive()).isEqualTo(2048);
    assertThat(Workqueue.builder("ma-one").maxActive(1).runtime(rt).build().maxActive()).isEqualTo(1);
    assertThat(Workqueue.builder("ma-ub").unbound().maxActive(5000).runtime(rt).build().maxActive())
        .isEqualTo(2048);

    Workqueue wq = Workqueue.builder("ma-set").maxActive(4).runtime(rt).build();
    wq.setMaxActive(5000);
    assertThat(wq.maxActive()).isEqualTo(2048);
    wq.setMaxActive(-3);
    assertThat(wq.maxActive()).isEqualTo(1);
    wq.setMaxActive(7);
    assertThat(wq.maxActive()).isEqualTo(7);
  }

  @Test
  void clampedMaxActiveOfOneReallyLimitsToOne() throws Exception {
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("ma-neg-run").maxActive(-3).runtime(rt).build();
    CountDownLatch aRunning = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    wq.queueWork(
        Work.of(
            () -> {
              aRunning.countDown();
              blockOn(gate);
            }));
    awaitLatch(aRunning);
    CountDownLatch bRan = new CountDownLatch(1);
    wq.queueWork(Work.of(bRan::countDown));
    assertThat(wq.stats().inactive()).isEqualTo(1);
    gate.countDown();
    awaitLatch(bRan);
    wq.flush();
  }

  @Test
  void setMaxActiveOnAnOrderedWorkqueueIsIllegal() {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("ma-ordered").ordered().runtime(rt).build();
    assertThat(wq.maxActive()).isEqualTo(1);
    assertThatThrownBy(() -> wq.setMaxActive(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ma-ordered");
    assertThat(wq.maxActive()).isEqualTo(1);
    // an ordered workqueue ignores the builder's maxActive as well
    assertThat(Workqueue.builder("ma-ordered2").ordered().maxActive(16).runtime(rt).build().maxActive())
        .isEqualTo(1);
  }
}
