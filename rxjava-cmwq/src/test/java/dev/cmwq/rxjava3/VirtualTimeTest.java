package dev.cmwq.rxjava3;

import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.ManualTimeSource;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subjects.PublishSubject;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link CmwqTestScheduler}: delayed work on a cmwq runtime driven by a manual clock, with
 * {@code TestScheduler}'s semantics: advancing runs exactly what became due, in deadline order, and
 * returns when it has run.
 */
class VirtualTimeTest extends RuntimeTestBase {

  @Test
  void timerFiresWhenTheClockPassesItsDeadline() {
    CmwqTestScheduler s = testScheduler();
    TestObserver<Long> to = Observable.timer(5, SECONDS, s).test();
    s.advanceTimeBy(4_999, MILLISECONDS);
    to.assertEmpty();
    s.advanceTimeBy(1, MILLISECONDS);
    to.assertValues(0L).assertComplete();
    assertThat(s.now(MILLISECONDS)).isEqualTo(5_000);
  }

  @Test
  void intervalTicksOncePerPeriodOfVirtualTime() {
    CmwqTestScheduler s = testScheduler();
    TestObserver<Long> to = Observable.interval(1, SECONDS, s).test();
    s.advanceTimeBy(2, SECONDS);
    to.assertValues(0L, 1L);
    s.advanceTimeBy(1, HOURS);
    to.assertValueCount(3_602);
    to.dispose();
    s.advanceTimeBy(1, MINUTES);
    to.assertValueCount(3_602);
  }

  @Test
  void periodicDirectTaskHasNoDriftInCount() {
    CmwqTestScheduler s = testScheduler();
    AtomicInteger runs = new AtomicInteger();
    Disposable d = s.schedulePeriodicallyDirect(runs::incrementAndGet, 10, 10, MILLISECONDS);
    s.advanceTimeBy(1, SECONDS);
    assertThat(runs.get()).isEqualTo(100);
    // a jump of the raw clock (not through the steps): the missed runs catch up, none is lost
    s.clock().advance(java.time.Duration.ofMillis(995));
    s.triggerActions();
    assertThat(runs.get()).isEqualTo(199);
    s.advanceTimeBy(5, MILLISECONDS);
    assertThat(runs.get()).isEqualTo(200);
    d.dispose();
    s.advanceTimeBy(1, SECONDS);
    assertThat(runs.get()).isEqualTo(200);
  }

  @Test
  void workerPeriodicTaskHasNoDriftInCount() {
    CmwqTestScheduler s = testScheduler();
    Scheduler.Worker w = s.createWorker();
    AtomicInteger runs = new AtomicInteger();
    w.schedulePeriodically(runs::incrementAndGet, 0, 7, MILLISECONDS);
    s.advanceTimeBy(700, MILLISECONDS);
    assertThat(runs.get()).isEqualTo(101); // at 0, 7, …, 700
    w.dispose();
    s.advanceTimeBy(1, SECONDS);
    assertThat(runs.get()).isEqualTo(101);
  }

  @Test
  void delayShiftsEveryItem() {
    CmwqTestScheduler s = testScheduler();
    PublishSubject<Integer> source = PublishSubject.create();
    TestObserver<Integer> to = source.delay(100, MILLISECONDS, s).test();
    source.onNext(1);
    s.advanceTimeBy(50, MILLISECONDS);
    source.onNext(2);
    s.advanceTimeBy(49, MILLISECONDS);
    to.assertEmpty();
    s.advanceTimeBy(1, MILLISECONDS);
    to.assertValues(1);
    s.advanceTimeBy(50, MILLISECONDS);
    to.assertValues(1, 2);
    source.onComplete();
    s.advanceTimeBy(100, MILLISECONDS);
    to.assertComplete();
  }

  @Test
  void delayKeepsTheOrderOfItemsWithTheSameDeadline() {
    CmwqTestScheduler s = testScheduler();
    TestObserver<Integer> to = Observable.range(0, 500).delay(1, SECONDS, s).test();
    s.advanceTimeBy(999, MILLISECONDS);
    to.assertEmpty();
    s.advanceTimeBy(1, MILLISECONDS);
    to.assertValueCount(500).assertComplete();
    assertThat(to.values()).isSorted();
  }

  @Test
  void timeoutFiresOnlyAfterSilence() {
    CmwqTestScheduler s = testScheduler();
    PublishSubject<Integer> source = PublishSubject.create();
    TestObserver<Integer> to = source.timeout(1, SECONDS, s).test();
    for (int i = 0; i < 5; i++) {
      s.advanceTimeBy(900, MILLISECONDS);
      source.onNext(i);
    }
    to.assertValues(0, 1, 2, 3, 4).assertNoErrors();
    s.advanceTimeBy(999, MILLISECONDS);
    to.assertNoErrors();
    s.advanceTimeBy(1, MILLISECONDS);
    to.assertError(TimeoutException.class);
  }

  @Test
  void chainedDelaysInsideOneAdvanceRunAtTheirOwnTimes() {
    CmwqTestScheduler s = testScheduler();
    List<Long> at = Collections.synchronizedList(new ArrayList<>());
    TestSubscriber<Long> ts =
        Flowable.timer(1, SECONDS, s)
            .doOnNext(x -> at.add(s.now(MILLISECONDS)))
            .delay(1, SECONDS, s)
            .doOnNext(x -> at.add(s.now(MILLISECONDS)))
            .concatMap(x -> Flowable.timer(500, MILLISECONDS, s))
            .doOnNext(x -> at.add(s.now(MILLISECONDS)))
            .test();
    s.advanceTimeBy(10, SECONDS);
    ts.assertValues(0L).assertComplete();
    assertThat(at).containsExactly(1_000L, 2_000L, 2_500L);
    assertThat(s.now(SECONDS)).isEqualTo(10);
  }

  @Test
  void advanceTimeToAndTriggerActions() {
    CmwqTestScheduler s = testScheduler();
    AtomicInteger ran = new AtomicInteger();
    s.scheduleDirect(ran::incrementAndGet); // due now
    s.triggerActions();
    assertThat(ran.get()).isEqualTo(1);
    s.scheduleDirect(ran::incrementAndGet, 3, SECONDS);
    s.advanceTimeTo(2, SECONDS);
    assertThat(ran.get()).isEqualTo(1);
    s.advanceTimeTo(3, SECONDS);
    assertThat(ran.get()).isEqualTo(2);
    assertThatThrownBy(() -> s.advanceTimeTo(1, SECONDS)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> s.advanceTimeBy(-1, SECONDS)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tasksRunOnTheRuntimesWorkers() {
    CmwqTestScheduler s = testScheduler();
    List<String> threads = Collections.synchronizedList(new ArrayList<>());
    Observable.timer(1, SECONDS, s).subscribe(x -> threads.add(Thread.currentThread().getName()));
    s.advanceTimeBy(1, SECONDS);
    assertThat(threads).hasSize(1).allMatch(n -> n.startsWith(prefix()));
  }

  @Test
  void fromAWorkqueueOnAManualClockRuntime() {
    ManualTimeSource clock = new ManualTimeSource(Long.MAX_VALUE - SECONDS.toNanos(1)); // wraps during the test
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(2).timeSource(clock));
    Workqueue wq = Workqueue.builder("rx-virtual").unbound().runtime(rt).build();
    CmwqTestScheduler s = CmwqTestScheduler.from(wq);
    TestObserver<Long> to = Observable.interval(400, MILLISECONDS, s).take(5).test();
    s.advanceTimeBy(2, SECONDS);
    to.assertValues(0L, 1L, 2L, 3L, 4L).assertComplete();
    s.shutdown();
    assertThat(rt.isShutdown()).as("a runtime it did not create stays up").isFalse();

    WorkqueueRuntime realTime = runtime();
    assertThatThrownBy(() -> CmwqTestScheduler.from(realTime.systemWq())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void closeShutsDownTheRuntimeItCreated() throws Exception {
    CmwqTestScheduler s = testScheduler();
    Observable.timer(1, SECONDS, s).test();
    java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
    s.scheduleDirect(ran::countDown); // a worker thread now exists
    assertThat(ran.await(10, SECONDS)).isTrue();
    s.close();
    assertThat(s.isShutdown()).isTrue();
    assertThat(s.runtime().isShutdown()).isTrue();
    assertThat(s.runtime().awaitTermination(java.time.Duration.ZERO))
        .as("close() waited for the runtime's threads to end")
        .isTrue();
    assertThat(s.scheduleDirect(() -> {}).isDisposed()).isTrue();
  }
}
