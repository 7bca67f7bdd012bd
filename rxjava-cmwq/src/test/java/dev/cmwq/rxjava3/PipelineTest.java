package dev.cmwq.rxjava3;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueue;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subscribers.TestSubscriber;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real RxJava pipelines on cmwq schedulers, in real time: observeOn, subscribeOn, timer, interval, delay, timeout. */
class PipelineTest extends RuntimeTestBase {

  enum Kind {
    BOUND,
    HIGHPRI,
    UNBOUND,
    ORDERED,
    MAX_ACTIVE_1
  }

  private WorkqueueScheduler scheduler(Kind kind) {
    var rt = runtime();
    switch (kind) {
      case BOUND:
        return CmwqSchedulers.bound(rt);
      case HIGHPRI:
        return CmwqSchedulers.highpri(rt);
      case UNBOUND:
        return CmwqSchedulers.unbound(rt);
      case ORDERED:
        return CmwqSchedulers.newOrdered("rx-pipeline", rt);
      default:
        return CmwqSchedulers.fromWorkqueue(Workqueue.builder("rx-one").maxActive(1).runtime(rt).build());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void flowableObserveOnDeliversEverythingInOrderOnWorkers(Kind kind) throws Exception {
    WorkqueueScheduler s = scheduler(kind);
    Set<String> threads = ConcurrentHashMap.newKeySet();
    TestSubscriber<Integer> ts =
        Flowable.range(0, 20_000).observeOn(s, false, 16).doOnNext(i -> threads.add(Thread.currentThread().getName())).test();
    assertThat(ts.await(10, SECONDS)).isTrue();
    ts.assertValueCount(20_000).assertNoErrors().assertComplete();
    assertThat(ts.values()).isEqualTo(IntStream.range(0, 20_000).boxed().collect(Collectors.toList()));
    assertThat(threads).allMatch(n -> n.startsWith(prefix()));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void subscribeOnSubscribesOnAWorker(Kind kind) throws Exception {
    WorkqueueScheduler s = scheduler(kind);
    TestSubscriber<String> ts = Flowable.fromCallable(() -> Thread.currentThread().getName()).subscribeOn(s).test();
    assertThat(ts.await(10, SECONDS)).isTrue();
    ts.assertValueCount(1).assertComplete();
    assertThat(ts.values().get(0)).startsWith(prefix());
    assertThat(Single.just(1).subscribeOn(s).blockingGet()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void observableTimerFiresOnceNeverEarly(Kind kind) throws Exception {
    WorkqueueScheduler s = scheduler(kind);
    long start = s.now(NANOSECONDS);
    TestObserver<Long> to = Observable.timer(20, MILLISECONDS, s).map(x -> s.now(NANOSECONDS) - start).test();
    assertThat(to.await(10, SECONDS)).isTrue();
    to.assertValueCount(1).assertComplete();
    assertThat(to.values().get(0)).isGreaterThanOrEqualTo(MILLISECONDS.toNanos(20));
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void observableIntervalTicksInOrder(Kind kind) throws Exception {
    WorkqueueScheduler s = scheduler(kind);
    TestObserver<Long> to = Observable.interval(2, MILLISECONDS, s).take(10).test();
    assertThat(to.await(10, SECONDS)).isTrue();
    to.assertValues(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L).assertComplete();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void flowableIntervalWithBackpressure(Kind kind) throws Exception {
    WorkqueueScheduler s = scheduler(kind);
    TestSubscriber<Long> ts = Flowable.interval(1, 1, MILLISECONDS, s).onBackpressureDrop().take(5).test();
    assertThat(ts.await(10, SECONDS)).isTrue();
    ts.assertValueCount(5).assertComplete();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void delayAndTimeout(Kind kind) throws Exception {
    WorkqueueScheduler s = scheduler(kind);
    TestObserver<Integer> delayed = Observable.just(1, 2, 3).delay(5, MILLISECONDS, s).test();
    assertThat(delayed.await(10, SECONDS)).isTrue();
    delayed.assertValues(1, 2, 3).assertComplete();

    TestObserver<Object> timedOut = Observable.never().timeout(10, MILLISECONDS, s).test();
    assertThat(timedOut.await(10, SECONDS)).isTrue();
    timedOut.assertError(TimeoutException.class);

    TestObserver<Integer> inTime = Observable.just(7).timeout(10, SECONDS, s).test();
    assertThat(inTime.await(10, SECONDS)).isTrue();
    inTime.assertValues(7).assertComplete();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void parallelRunOnAndBack(Kind kind) throws Exception {
    WorkqueueScheduler s = scheduler(kind);
    TestSubscriber<Long> ts =
        Flowable.range(0, 10_000)
            .parallel(4)
            .runOn(s)
            .map(i -> (long) i * 2)
            .sequential()
            .reduce(0L, Long::sum)
            .toFlowable()
            .test();
    assertThat(ts.await(10, SECONDS)).isTrue();
    ts.assertValues(2L * (10_000L * 9_999L / 2)).assertComplete();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void flushAndDrainAsCompletables(Kind kind) {
    WorkqueueScheduler s = scheduler(kind);
    TestSubscriber<Integer> ts = Flowable.range(0, 1000).observeOn(s).test();
    assertThat(s.flush().blockingAwait(10, SECONDS)).isTrue();
    assertThat(s.drain().blockingAwait(10, SECONDS)).isTrue();
    assertThat(ts.awaitDone(10, SECONDS).values()).hasSize(1000);
  }
}
