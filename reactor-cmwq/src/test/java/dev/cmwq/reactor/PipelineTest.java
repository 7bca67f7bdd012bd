package dev.cmwq.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.reactor.TestRuntime.Variant;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Real Reactor pipelines on every variant, verified with StepVerifier in real (short) time. */
class PipelineTest {

  private static final Duration VERIFY = Duration.ofSeconds(10);

  private TestRuntime t;
  private WorkqueueScheduler s;

  @BeforeEach
  void setUp() {
    t = new TestRuntime();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (s != null) {
      s.dispose();
      s.disposeGracefully().block(VERIFY);
    }
    t.close();
  }

  private boolean onCmwq() {
    return Thread.currentThread().getName().startsWith(t.prefix);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void publishOnDeliversEveryElementInOrderOnTheWorkqueue(Variant v) {
    s = v.make(t);
    Set<Boolean> where = ConcurrentHashMap.newKeySet();
    StepVerifier.create(Flux.range(0, 10_000).publishOn(s).doOnNext(i -> where.add(onCmwq())).reduce(-1, (last, i) -> {
          assertThat(i).isEqualTo(last + 1);
          return i;
        }))
        .expectNext(9_999)
        .expectComplete()
        .verify(VERIFY);
    assertThat(where).containsExactly(true);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void subscribeOnSubscribesOnTheWorkqueue(Variant v) {
    s = v.make(t);
    StepVerifier.create(Mono.fromCallable(this::onCmwq).subscribeOn(s)).expectNext(true).expectComplete().verify(VERIFY);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void monoDelayFiresOnTheWorkqueueAfterTheDelay(Variant v) {
    s = v.make(t);
    long start = System.nanoTime();
    StepVerifier.create(Mono.delay(Duration.ofMillis(20), s).map(x -> onCmwq()))
        .expectNext(true)
        .expectComplete()
        .verify(VERIFY);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(20));
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void fluxIntervalTicksInOrder(Variant v) {
    s = v.make(t);
    StepVerifier.create(Flux.interval(Duration.ofMillis(5), s).take(5))
        .expectNext(0L, 1L, 2L, 3L, 4L)
        .expectComplete()
        .verify(VERIFY);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void delayElementsKeepsOrder(Variant v) {
    s = v.make(t);
    StepVerifier.create(Flux.range(0, 5).delayElements(Duration.ofMillis(2), s))
        .expectNext(0, 1, 2, 3, 4)
        .expectComplete()
        .verify(VERIFY);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void timeoutFiresWhenTheSourceIsSilentAndNotWhenItIsOnTime(Variant v) {
    s = v.make(t);
    StepVerifier.create(Mono.never().timeout(Duration.ofMillis(20), s))
        .expectError(TimeoutException.class)
        .verify(VERIFY);
    StepVerifier.create(Flux.range(0, 100).publishOn(s).timeout(Duration.ofSeconds(5), s))
        .expectNextCount(100)
        .expectComplete()
        .verify(VERIFY);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void parallelRunOnUsesTheWorkqueueForEveryRail(Variant v) {
    s = v.make(t);
    Set<Boolean> where = ConcurrentHashMap.newKeySet();
    StepVerifier.create(
            Flux.range(0, 1_000)
                .parallel(4)
                .runOn(s)
                .map(i -> {
                  where.add(onCmwq());
                  return i;
                })
                .sequential()
                .reduce(0L, Long::sum))
        .expectNext(999L * 1_000 / 2)
        .expectComplete()
        .verify(VERIFY);
    assertThat(where).containsExactly(true);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void flatMapWithSubscribeOnHopsForEveryItem(Variant v) {
    s = v.make(t);
    StepVerifier.create(Flux.range(0, 2_000).flatMap(i -> Mono.fromCallable(() -> i).subscribeOn(s), 64).count())
        .expectNext(2_000L)
        .expectComplete()
        .verify(VERIFY);
  }
}
