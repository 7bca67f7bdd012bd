package dev.cmwq.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The Schedulers.Factory plug-in, round trip; global state, restored after each test. */
class InstallAsDefaultTest {

  private TestRuntime t;

  @BeforeEach
  void setUp() {
    t = new TestRuntime();
  }

  @AfterEach
  void tearDown() throws Exception {
    CmwqSchedulers.resetDefault(); // disposes the cmwq schedulers Reactor cached: their workqueues go
    t.close();
  }

  private static String threadOf(Scheduler s) {
    return Mono.fromCallable(() -> Thread.currentThread().getName()).subscribeOn(s).block(Duration.ofSeconds(5));
  }

  @Test
  void defaultsRunOnCmwqWorkersAndResetRestoresReactors() {
    CmwqSchedulers.installAsDefault(t.rt);
    assertThat(threadOf(Schedulers.parallel())).startsWith(t.prefix);
    assertThat(threadOf(Schedulers.boundedElastic())).startsWith(t.prefix);
    assertThat(threadOf(Schedulers.single())).startsWith(t.prefix);
    Scheduler named = Schedulers.newParallel("http-client", 3);
    try {
      assertThat(threadOf(named)).startsWith(t.prefix);
      assertThat(Scannable.from(named).scan(Scannable.Attr.NAME)).isEqualTo("cmwq(http-client)");
      assertThat(((WorkqueueScheduler) named).ownsWorkqueue()).isTrue();
    } finally {
      named.dispose();
    }
    Scheduler elastic = Schedulers.newBoundedElastic(7, 100, "io");
    try {
      WorkqueueScheduler ws = (WorkqueueScheduler) elastic;
      assertThat(ws.workqueue().isUnbound()).isTrue();
      assertThat(ws.workqueue().maxActive()).as("thread cap → max_active").isEqualTo(7);
    } finally {
      elastic.dispose();
    }
    WorkqueueScheduler single = (WorkqueueScheduler) Schedulers.newSingle("one");
    assertThat(single.workqueue().isOrdered()).isTrue();
    single.dispose();
    assertThat(Scannable.from(Schedulers.parallel()).scan(Scannable.Attr.NAME)).contains("parallel");

    CmwqSchedulers.resetDefault();
    assertThat(threadOf(Schedulers.parallel())).startsWith("parallel-");
    assertThat(threadOf(Schedulers.boundedElastic())).startsWith("boundedElastic-");
  }

  @Test
  void withVirtualTimeStillWorksAndPutsCmwqBack() {
    CmwqSchedulers.installAsDefault(t.rt);
    StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofDays(1)))
        .expectSubscription()
        .expectNoEvent(Duration.ofHours(23))
        .thenAwait(Duration.ofHours(1))
        .expectNext(0L)
        .verifyComplete();
    StepVerifier.withVirtualTime(() -> Mono.never().timeout(Duration.ofMinutes(1)))
        .expectSubscription()
        .thenAwait(Duration.ofMinutes(1))
        .expectError(TimeoutException.class)
        .verify(Duration.ofSeconds(5));
    assertThat(threadOf(Schedulers.parallel())).as("cmwq is the default again").startsWith(t.prefix);
  }

  @Test
  void cmwqVirtualTimeWorksWhileInstalled() {
    CmwqSchedulers.installAsDefault(t.rt);
    try (CmwqVirtualTime vt = CmwqVirtualTime.create()) {
      WorkqueueScheduler s = vt.bound();
      StepVerifier.withVirtualTime(() -> Mono.delay(Duration.ofHours(2), s), vt::virtualTimeScheduler, Long.MAX_VALUE)
          .expectSubscription()
          .expectNoEvent(Duration.ofHours(1))
          .thenAwait(Duration.ofHours(1))
          .expectNext(0L)
          .verifyComplete();
    }
    assertThat(threadOf(Schedulers.parallel())).startsWith(t.prefix);
  }
}
