package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Ordered workqueues (spec §6 item 11): strictly one item at a time, in queueing order, also
 * across {@link Workqueue#applyAttrs}; and unbound pools shared by attributes.
 */
class OrderedTest extends TestRuntimes {

  private static final Pattern UNBOUND_WORKER = Pattern.compile("kworker/u(\\d+):(\\d+)");

  /** Records the order items ran in and whether two ever overlapped. */
  private static final class Recorder {
    final List<Object> order = Collections.synchronizedList(new ArrayList<>());
    final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final CountDownLatch done;

    Recorder(int n) {
      done = new CountDownLatch(n);
    }

    Work item(Object tag) {
      return Work.of(() -> run(tag));
    }

    void run(Object tag) {
      int now = running.incrementAndGet();
      maxRunning.accumulateAndGet(now, Math::max);
      order.add(tag);
      threads.add(Thread.currentThread().getName());
      // give an overlapping item a chance to show itself
      Thread.yield();
      running.decrementAndGet();
      done.countDown();
    }
  }

  private static String poolOf(String threadName) {
    Matcher m = UNBOUND_WORKER.matcher(threadName);
    assertThat(m.matches()).as("unbound worker name: %s", threadName).isTrue();
    return m.group(1);
  }

  @Test
  void itemsFromOneThreadRunOneAtATimeInQueueingOrder() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("ord-one").ordered().runtime(rt).build();
    assertThat(wq.isOrdered()).isTrue();
    assertThat(wq.isUnbound()).isTrue();
    int n = 500;
    Recorder r = new Recorder(n);
    for (int i = 0; i < n; i++) {
      assertThat(wq.queueWork(r.item(i))).isTrue();
    }
    awaitLatch(r.done);
    wq.flush();
    assertThat(r.order).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    assertThat(r.maxRunning.get()).isEqualTo(1);
  }

  @Test
  void itemsFromSeveralThreadsRunInTheGlobalQueueingOrder() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("ord-many").ordered().runtime(rt).build();
    int producers = 4;
    int perProducer = 200;
    Recorder r = new Recorder(producers * perProducer);
    // the queueing order across threads, made observable by queueing under one lock
    List<String> queueOrder = new ArrayList<>();
    Object queueLock = new Object();
    CyclicBarrier go = new CyclicBarrier(producers);
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int producer = p;
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await(10, SECONDS);
                  for (int seq = 0; seq < perProducer; seq++) {
                    String tag = producer + ":" + seq;
                    Work w = r.item(tag);
                    synchronized (queueLock) {
                      if (!wq.queueWork(w)) {
                        throw new AssertionError("queueWork returned false for " + tag);
                      }
                      queueOrder.add(tag);
                    }
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              },
              "ord-producer-" + p);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(errors).isEmpty();
    awaitLatch(r.done);
    wq.flush();

    assertThat(r.maxRunning.get()).isEqualTo(1);
    synchronized (queueLock) {
      assertThat(r.order).containsExactlyElementsOf(queueOrder);
    }
    // and each producer's own sequence is in order
    for (int p = 0; p < producers; p++) {
      String prefix = p + ":";
      List<Integer> seqs =
          r.order.stream()
              .map(String.class::cast)
              .filter(s -> s.startsWith(prefix))
              .map(s -> Integer.parseInt(s.substring(prefix.length())))
              .toList();
      assertThat(seqs).containsExactlyElementsOf(IntStream.range(0, perProducer).boxed().toList());
    }
  }

  @Test
  void itemsQueuedOnDifferentCpuSlotsStillRunInQueueingOrder() throws Exception {
    WorkqueueRuntime rt = runtime(3);
    Workqueue wq = Workqueue.builder("ord-cpus").ordered().runtime(rt).build();
    int n = 300;
    Recorder r = new Recorder(n);
    for (int i = 0; i < n; i++) {
      assertThat(wq.queueWorkOn(i % rt.cpus(), r.item(i))).isTrue();
    }
    awaitLatch(r.done);
    wq.flush();
    assertThat(r.order).containsExactlyElementsOf(IntStream.range(0, n).boxed().toList());
    assertThat(r.maxRunning.get()).isEqualTo(1);
  }

  @Test
  void fifoHoldsAcrossApplyAttrsWhileItemsAreQueuedAndOneRuns() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("ord-attrs").ordered().runtime(rt).build();
    assertThat(wq.attrs()).isEqualTo(WorkqueueAttrs.defaults());
    int before = 50;
    int after = 50;
    Recorder r = new Recorder(1 + before + after);
    CountDownLatch firstRunning = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    assertThat(
            wq.queueWork(
                Work.of(
                    () -> {
                      firstRunning.countDown();
                      try {
                        if (!gate.await(10, SECONDS)) {
                          throw new AssertionError("gate was not opened in time");
                        }
                      } catch (InterruptedException e) {
                        throw new AssertionError(e);
                      }
                      r.run(0);
                    })))
        .isTrue();
    awaitLatch(firstRunning);
    for (int i = 1; i <= before; i++) {
      assertThat(wq.queueWork(r.item(i))).isTrue();
    }

    WorkqueueAttrs niced = WorkqueueAttrs.defaults().withNice(5);
    wq.applyAttrs(niced);
    assertThat(wq.attrs()).isEqualTo(niced);

    for (int i = before + 1; i <= before + after; i++) {
      assertThat(wq.queueWork(r.item(i))).isTrue();
    }
    assertThat(r.order).as("nothing ran past the running item").isEmpty();

    gate.countDown();
    awaitLatch(r.done);
    wq.flush();
    assertThat(r.order).containsExactlyElementsOf(IntStream.rangeClosed(0, before + after).boxed().toList());
    assertThat(r.maxRunning.get()).isEqualTo(1);
    // the items queued after applyAttrs ran on the new pool
    String oldPool = poolOf(r.threads.get(0));
    String newPool = poolOf(r.threads.get(before + after));
    assertThat(newPool).isNotEqualTo(oldPool);
  }

  @Test
  void fifoHoldsAcrossSeveralApplyAttrsInARow() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("ord-attrs3").ordered().runtime(rt).build();
    List<WorkqueueAttrs> changes =
        List.of(
            WorkqueueAttrs.defaults().withNice(5),
            WorkqueueAttrs.defaults().withNice(-3),
            WorkqueueAttrs.defaults().withCpus(Set.of(1)),
            WorkqueueAttrs.defaults()); // back to the pool the first item still runs on
    int perBatch = 20;
    Recorder r = new Recorder(1 + perBatch * (changes.size() + 1));
    CountDownLatch firstRunning = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    wq.queueWork(
        Work.of(
            () -> {
              firstRunning.countDown();
              try {
                if (!gate.await(10, SECONDS)) {
                  throw new AssertionError("gate was not opened in time");
                }
              } catch (InterruptedException e) {
                throw new AssertionError(e);
              }
              r.run(0);
            }));
    awaitLatch(firstRunning);
    int next = 1;
    for (int batch = 0; batch <= changes.size(); batch++) {
      for (int i = 0; i < perBatch; i++) {
        assertThat(wq.queueWork(r.item(next++))).isTrue();
      }
      if (batch < changes.size()) {
        wq.applyAttrs(changes.get(batch));
      }
    }
    assertThat(wq.attrs()).isEqualTo(WorkqueueAttrs.defaults());
    gate.countDown();
    awaitLatch(r.done);
    wq.flush();
    assertThat(r.order).containsExactlyElementsOf(IntStream.range(0, next).boxed().toList());
    assertThat(r.maxRunning.get()).isEqualTo(1);
  }

  @Test
  void applyAttrsOnABoundWorkqueueIsIllegal() {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("ord-bound").runtime(rt).build();
    assertThatThrownBy(() -> wq.applyAttrs(WorkqueueAttrs.defaults().withNice(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ord-bound");
  }

  @Test
  void applyAttrsWithACpuSlotTheRuntimeDoesNotHaveIsIllegal() {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("ord-cpu").unbound().runtime(rt).build();
    assertThatThrownBy(() -> wq.applyAttrs(WorkqueueAttrs.defaults().withCpus(Set.of(0, 2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2");
    assertThat(wq.attrs()).isEqualTo(WorkqueueAttrs.defaults());
    Workqueue ordered = Workqueue.builder("ord-cpu2").ordered().runtime(rt).build();
    assertThatThrownBy(() -> ordered.applyAttrs(WorkqueueAttrs.defaults().withCpus(Set.of(5))))
        .isInstanceOf(IllegalArgumentException.class);
    // a valid CPU set is accepted
    wq.applyAttrs(WorkqueueAttrs.defaults().withCpus(Set.of(1)));
    assertThat(wq.attrs().cpus()).containsExactly(1);
  }

  /** Runs one item on {@code wq} and returns the name of the thread it ran on. */
  private static String threadOf(Workqueue wq) throws Exception {
    CompletableFuture<String> name = new CompletableFuture<>();
    assertThat(wq.queueWork(Work.of(() -> name.complete(Thread.currentThread().getName())))).isTrue();
    return name.get(10, SECONDS);
  }

  @Test
  void unboundWorkqueuesWithEqualAttrsShareAPoolUntilAttrsDiffer() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue a = Workqueue.builder("ord-share-a").unbound().runtime(rt).build();
    Workqueue b = Workqueue.builder("ord-share-b").unbound().runtime(rt).build();
    String poolA = poolOf(threadOf(a));
    String poolB = poolOf(threadOf(b));
    assertThat(poolA).as("equal attrs share one pool").isEqualTo(poolB);

    a.applyAttrs(WorkqueueAttrs.defaults().withNice(5));
    String poolA2 = poolOf(threadOf(a));
    assertThat(poolA2).as("new attrs, new pool").isNotEqualTo(poolB);
    assertThat(poolOf(threadOf(b))).as("b keeps its pool").isEqualTo(poolB);

    // a third workqueue with the same new attrs joins a's new pool
    Workqueue c = Workqueue.builder("ord-share-c").unbound().runtime(rt).build();
    c.applyAttrs(WorkqueueAttrs.defaults().withNice(5));
    assertThat(poolOf(threadOf(c))).isEqualTo(poolA2);

    // back to the defaults: shares b's pool again
    a.applyAttrs(WorkqueueAttrs.defaults());
    assertThat(poolOf(threadOf(a))).isEqualTo(poolB);
    a.flush();
    b.flush();
    c.flush();
  }
}
