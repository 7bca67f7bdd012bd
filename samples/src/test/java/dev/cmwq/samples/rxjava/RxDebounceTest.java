package dev.cmwq.samples.rxjava;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.rxjava3.CmwqTestScheduler;
import dev.cmwq.samples.SampleRuntimes;
import io.reactivex.rxjava3.observers.TestObserver;
import io.reactivex.rxjava3.subjects.PublishSubject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RxDebounceTest extends SampleRuntimes {

  private static final String PREFIX = "kworker-rxt/";

  private CmwqTestScheduler scheduler;

  @BeforeEach
  void setUp() {
    scheduler = CmwqTestScheduler.create(WorkqueueRuntime.builder().cpus(2).threadNamePrefix(PREFIX));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    scheduler.close(); // shuts down the runtime it created
    assertThat(scheduler.runtime().awaitTermination(java.time.Duration.ofSeconds(10))).isTrue();
  }

  @Test
  void aQueryIsSentOnlyAfterTheQuietPeriod() {
    PublishSubject<String> keystrokes = PublishSubject.create();
    TestObserver<String> sent = RxDebounce.queries(keystrokes, 300, scheduler).test();

    keystrokes.onNext("c");
    scheduler.advanceTimeBy(100, MILLISECONDS);
    keystrokes.onNext("cm");
    scheduler.advanceTimeBy(299, MILLISECONDS);
    sent.assertNoValues(); // 299 ms of quiet after "cm": not yet

    scheduler.advanceTimeBy(1, MILLISECONDS);
    sent.assertValues("cm");

    keystrokes.onNext("cmwq");
    scheduler.advanceTimeBy(1, SECONDS);
    sent.assertValues("cm", "cmwq");
    keystrokes.onComplete();
    sent.assertComplete();
  }

  @Test
  void typingInVirtualTimeSendsOnlyTheLastText() {
    // a key every 100 ms: the 300 ms quiet period never passes until typing stops
    TestObserver<String> sent = RxDebounce.queries(
            RxDebounce.typing(List.of("c", "cm", "cmw", "cmwq"), 100, scheduler), 300, scheduler)
        .test();
    scheduler.advanceTimeBy(399, MILLISECONDS);
    sent.assertNoValues();
    // the last key came at 400 ms; the keystrokes complete with it, which sends it at once
    scheduler.advanceTimeBy(1, MILLISECONDS);
    sent.assertValues("cmwq").assertComplete();
  }

  @Test
  void pollsTickOncePerPeriodOnWorkers() {
    TestObserver<String> polls = RxDebounce.polls(60_000, scheduler).take(3).test();
    scheduler.advanceTimeBy(59, SECONDS);
    polls.assertNoValues();
    scheduler.advanceTimeBy(1, SECONDS);
    polls.assertValues("poll #0");
    scheduler.advanceTimeBy(2, java.util.concurrent.TimeUnit.MINUTES);
    polls.assertValues("poll #0", "poll #1", "poll #2").assertComplete();
    assertThat(scheduler.now(MILLISECONDS)).isEqualTo(180_000);
  }

  @Test
  void mainTypesInRealTime() {
    List<String> sent = RxDebounce.run(runtime(2), QUIET);
    assertThat(sent).isNotEmpty().endsWith("cmwq").allSatisfy(q -> assertThat("cmwq").startsWith(q));
  }
}
