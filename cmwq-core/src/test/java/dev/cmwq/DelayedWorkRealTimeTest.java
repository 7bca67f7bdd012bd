package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Delayed work on the real clock ({@link TimeSource#system()}): the timer thread never fires an
 * item early and fires each exactly once, and it exists only once something has been armed
 * (DESIGN §6, tickless). No lateness is asserted: timing claims belong in benchmarks.
 */
class DelayedWorkRealTimeTest extends TestRuntimes {

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .collect(Collectors.toSet());
  }

  @Test
  void tenThousandRandomDelaysEachFireOnceAndNeverEarly() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue bound = Workqueue.builder("dwrt-bound").runtime(rt).build();
    Workqueue unbound = Workqueue.builder("dwrt-unbound").unbound().runtime(rt).build();
    int n = 10_000;
    Random rnd = new Random(20240611L);
    long[] delays = new long[n];
    long[] deadlines = new long[n];
    AtomicLongArray ranAt = new AtomicLongArray(n);
    AtomicIntegerArray runs = new AtomicIntegerArray(n);
    CountDownLatch done = new CountDownLatch(n);
    List<DelayedWork> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int id = i;
      delays[i] = 1_000_000L + (long) (rnd.nextDouble() * 99_000_000L); // 1..100 ms
      items.add(
          DelayedWork.of(
              () -> {
                ranAt.set(id, System.nanoTime());
                runs.incrementAndGet(id);
                done.countDown();
              }));
    }
    for (int i = 0; i < n; i++) {
      Workqueue wq = (i & 1) == 0 ? bound : unbound;
      deadlines[i] = System.nanoTime() + delays[i]; // taken before arming: the item may not run earlier
      boolean armed =
          (i % 3 == 0)
              ? wq.queueDelayedWorkOn(i % rt.cpus(), items.get(i), Duration.ofNanos(delays[i]))
              : wq.queueDelayedWork(items.get(i), Duration.ofNanos(delays[i]));
      assertThat(armed).as("item %d armed", i).isTrue();
    }
    assertThat(done.await(30, SECONDS)).as("all fired within 30 s (left %d)", done.getCount()).isTrue();
    bound.flushAsync().get(10, SECONDS);
    unbound.flushAsync().get(10, SECONDS);

    List<String> problems = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (runs.get(i) != 1) {
        problems.add("item " + i + " ran " + runs.get(i) + " times");
      } else if (ranAt.get(i) - deadlines[i] < 0) {
        problems.add(
            "item " + i + " (delay " + delays[i] + " ns) ran " + (deadlines[i] - ranAt.get(i)) + " ns before its deadline");
      }
      if (items.get(i).isPending()) {
        problems.add("item " + i + " is still pending");
      }
    }
    assertThat(problems).as("%d items", n).isEmpty();
  }

  @Test
  void noTimerThreadUntilSomethingIsArmed() throws Exception {
    String prefix = "dwrt" + System.nanoTime() + "/";
    String timer = prefix + "timer";
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(2).threadNamePrefix(prefix));
    Workqueue wq = Workqueue.builder("dwrt-lazy").runtime(rt).build();
    assertThat(threadNames()).as("a fresh runtime").doesNotContain(timer);

    // plain work starts workers, still no timer
    CountDownLatch ran = new CountDownLatch(2);
    assertThat(wq.queueWorkOn(0, Work.of(ran::countDown))).isTrue();
    assertThat(wq.queueWorkOn(1, Work.of(ran::countDown))).isTrue();
    assertThat(ran.await(10, SECONDS)).isTrue();
    wq.flushAsync().get(10, SECONDS);
    // zero delay queues at once, so it needs no timer either
    CountDownLatch ranNow = new CountDownLatch(1);
    assertThat(wq.queueDelayedWork(DelayedWork.of(ranNow::countDown), Duration.ZERO)).isTrue();
    assertThat(ranNow.await(10, SECONDS)).isTrue();
    wq.flushAsync().get(10, SECONDS);

    Set<String> ours = threadNames().stream().filter(s -> s.startsWith(prefix)).collect(Collectors.toSet());
    Pattern worker = Pattern.compile(Pattern.quote(prefix) + "\\d+:\\d+");
    assertThat(ours).as("threads of the runtime").anyMatch(s -> worker.matcher(s).matches());
    assertThat(ours).as("threads of the runtime, nothing armed yet").doesNotContain(timer);

    DelayedWork armed = DelayedWork.of(() -> {});
    assertThat(wq.queueDelayedWork(armed, Duration.ofHours(1))).isTrue();
    assertThat(threadNames()).as("after the first arm").contains(timer);
    assertThat(armed.cancel()).isTrue();
  }

  /**
   * Near timers armed and cancelled in a loop in front of a far one (request timeouts) make the
   * timer thread cap its sleep at a tick instead of being woken for each arm; arms that come
   * after its capped wake-up but before the deadline it planned for wake nobody. Every timer
   * kept armed through that must still fire exactly once and never early.
   */
  @Test
  void timersArmedWhileNearTimersChurnStillFireOnceAndNeverEarly() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("dwrt-churn").runtime(rt).build();
    DelayedWork far = DelayedWork.of(() -> {});
    assertThat(wq.queueDelayedWork(far, Duration.ofHours(1))).isTrue();

    int kept = 200;
    Random rnd = new Random(20261129L);
    long[] deadlines = new long[kept];
    AtomicLongArray ranAt = new AtomicLongArray(kept);
    AtomicIntegerArray runs = new AtomicIntegerArray(kept);
    CountDownLatch done = new CountDownLatch(kept);
    for (int i = 0; i < kept; i++) {
      // churn: near timers armed and cancelled, almost always before they fire (a preempted
      // test thread may let a 1 ms one fire first: that is not what is checked here)
      for (int j = 0; j < 50; j++) {
        DelayedWork churn = DelayedWork.of(() -> {});
        assertThat(wq.queueDelayedWork(churn, Duration.ofMillis(1 + rnd.nextInt(200)))).isTrue();
        churn.cancel();
      }
      int id = i;
      DelayedWork keep =
          DelayedWork.of(
              () -> {
                ranAt.set(id, System.nanoTime());
                runs.incrementAndGet(id);
                done.countDown();
              });
      long delay = 1_000_000L + (long) (rnd.nextDouble() * 49_000_000L); // 1..50 ms
      deadlines[i] = System.nanoTime() + delay;
      assertThat(wq.queueDelayedWork(keep, Duration.ofNanos(delay))).isTrue();
    }
    assertThat(done.await(30, SECONDS)).as("all kept timers fired (left %d)", done.getCount()).isTrue();
    wq.flushAsync().get(10, SECONDS);
    for (int i = 0; i < kept; i++) {
      assertThat(runs.get(i)).as("runs of kept timer %d", i).isEqualTo(1);
      assertThat(ranAt.get(i) - deadlines[i]).as("kept timer %d: ran minus deadline (ns)", i).isNotNegative();
    }
    assertThat(far.isPending()).as("the far timer is still armed").isTrue();
    assertThat(far.cancel()).isTrue();
  }
}
