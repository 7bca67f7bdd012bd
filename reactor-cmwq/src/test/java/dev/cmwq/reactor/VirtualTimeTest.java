package dev.cmwq.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Delayed work on cmwq schedulers under {@code StepVerifier.withVirtualTime}: hours pass in
 * milliseconds, and nothing fires before its virtual time.
 */
class VirtualTimeTest {

  private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

  private CmwqVirtualTime vt;
  private String prefix;

  @BeforeEach
  void setUp() {
    prefix = "kw-vt" + SEQ.incrementAndGet() + "/";
    vt = CmwqVirtualTime.create(b -> b.threadNamePrefix(prefix));
  }

  @AfterEach
  void tearDown() {
    vt.close();
    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(th -> th.isAlive() && th.getName().startsWith(prefix))
        .as("threads left behind")
        .isEmpty();
  }

  @Test
  void monoDelayOfAnHourFiresWhenVirtualTimeReachesIt() {
    WorkqueueScheduler s = vt.bound();
    StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofHours(1), s), vt::virtualTimeScheduler, Long.MAX_VALUE)
        .expectSubscription()
        .expectNoEvent(Duration.ofMinutes(59))
        .thenAwait(Duration.ofMinutes(1))
        .expectNext(0L)
        .expectComplete()
        .verify(Duration.ofSeconds(10));
    assertThat(vt.now()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void fluxIntervalTicksOncePerVirtualPeriod() {
    WorkqueueScheduler s = vt.unbound();
    StepVerifier.withVirtualTime(() -> Flux.interval(Duration.ofSeconds(1), s).take(3), vt::virtualTimeScheduler, Long.MAX_VALUE)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(999))
        .thenAwait(Duration.ofMillis(1))
        .expectNext(0L)
        .thenAwait(Duration.ofSeconds(1))
        .expectNext(1L)
        .thenAwait(Duration.ofSeconds(1))
        .expectNext(2L)
        .expectComplete()
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void delayElementsChainsDelaysWithinOneAdvance() {
    WorkqueueScheduler s = vt.newOrdered("vt-ordered");
    StepVerifier.withVirtualTime(() -> Flux.range(0, 3).delayElements(Duration.ofSeconds(1), s), vt::virtualTimeScheduler, Long.MAX_VALUE)
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(999))
        .thenAwait(Duration.ofSeconds(3)) // one advance: each delay starts when the previous one fired
        .expectNext(0, 1, 2)
        .expectComplete()
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void timeoutFiresAtItsVirtualTimeAndNotBefore() {
    WorkqueueScheduler s = vt.bound();
    StepVerifier.withVirtualTime(() -> Mono.never().timeout(Duration.ofSeconds(30), s), vt::virtualTimeScheduler, Long.MAX_VALUE)
        .expectSubscription()
        .expectNoEvent(Duration.ofSeconds(29))
        .thenAwait(Duration.ofSeconds(1))
        .expectError(TimeoutException.class)
        .verify(Duration.ofSeconds(10));
    StepVerifier.withVirtualTime(
            () -> Mono.delay(Duration.ofSeconds(10), s).timeout(Duration.ofSeconds(30), s),
            vt::virtualTimeScheduler,
            Long.MAX_VALUE)
        .expectSubscription()
        .thenAwait(Duration.ofSeconds(10))
        .expectNext(0L)
        .expectComplete()
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void reactorsOwnDefaultSchedulersKeepVirtualTimeAndMixWithCmwq() {
    WorkqueueScheduler s = vt.bound();
    StepVerifier.withVirtualTime(
            () -> Mono.delay(Duration.ofMinutes(5)) // Schedulers.parallel(): the virtual-time scheduler
                .publishOn(s)
                .then(Mono.delay(Duration.ofMinutes(5), s)),
            vt::virtualTimeScheduler,
            Long.MAX_VALUE)
        .expectSubscription()
        .expectNoEvent(Duration.ofMinutes(4))
        .thenAwait(Duration.ofMinutes(1)) // Reactor's delay ends: cmwq's starts at 5 min
        .expectNoEvent(Duration.ofMinutes(4))
        .thenAwait(Duration.ofMinutes(1))
        .expectNext(0L)
        .expectComplete()
        .verify(Duration.ofSeconds(10));
    assertThat(Schedulers.parallel().getClass().getName()).doesNotContain("VirtualTime");
  }

  @Test
  void periodicTaskRunsAtIdealTimesWhateverTheSteps() {
    WorkqueueScheduler s = vt.bound();
    List<Long> runs = new CopyOnWriteArrayList<>();
    Disposable d = s.schedulePeriodically(() -> runs.add(s.now(TimeUnit.MILLISECONDS)), 10, 10, TimeUnit.MILLISECONDS);
    for (int i = 0; i < 7; i++) {
      vt.advanceTimeBy(Duration.ofMillis(15)); // odd steps: the runs still land on multiples of 10
    }
    assertThat(runs).containsExactly(10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L, 100L);
    d.dispose();
    vt.advanceTimeBy(Duration.ofMillis(100));
    assertThat(runs).hasSize(10);
  }

  @Test
  void aDelayedTaskOfAWorkerNeverRunsEarly() {
    WorkqueueScheduler s = vt.highpri();
    var w = s.createWorker();
    List<Long> runs = new CopyOnWriteArrayList<>();
    w.schedule(() -> runs.add(s.now(TimeUnit.NANOSECONDS)), 1, TimeUnit.SECONDS);
    vt.advanceTimeBy(Duration.ofSeconds(1).minusNanos(1));
    assertThat(runs).isEmpty();
    vt.advanceTimeBy(Duration.ofNanos(1));
    assertThat(runs).containsExactly(TimeUnit.SECONDS.toNanos(1));
    w.dispose();
  }
}
