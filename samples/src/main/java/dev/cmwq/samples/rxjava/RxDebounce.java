package dev.cmwq.samples.rxjava;

import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.rxjava3.CmwqSchedulers;
import dev.cmwq.rxjava3.WorkqueueScheduler;
import io.reactivex.rxjava3.core.Observable;
import io.reactivex.rxjava3.core.Scheduler;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Time-based operators on a cmwq scheduler, and how to test them in virtual time: a search box
 * that sends a query once the user has stopped typing for a while ({@code debounce}), and a
 * status poll ({@code interval}).
 *
 * <p>In a test, {@code CmwqTestScheduler} (rxjava-cmwq) plays the part of RxJava's
 * {@code TestScheduler} on a real runtime with a manual clock: {@code advanceTimeBy} fires what
 * became due and returns once it has run on the workers (see {@code RxDebounceTest}). Because the
 * pipeline takes its scheduler as a parameter, the same code runs on
 * {@code CmwqSchedulers.bound()} in production and on the test scheduler in tests.
 */
public final class RxDebounce {

  private RxDebounce() {}

  /** Returns: the queries to send: the text once it has been left alone for {@code quietMillis}. */
  public static Observable<String> queries(Observable<String> keystrokes, long quietMillis, Scheduler scheduler) {
    return keystrokes
        .debounce(quietMillis, TimeUnit.MILLISECONDS, scheduler)
        .filter(text -> !text.isBlank())
        .distinctUntilChanged();
  }

  /** Returns: a poll every {@code periodMillis}, numbered from 0. */
  public static Observable<String> polls(long periodMillis, Scheduler scheduler) {
    return Observable.interval(periodMillis, TimeUnit.MILLISECONDS, scheduler).map(n -> "poll #" + n);
  }

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, System.out);
    }
  }

  /**
   * Returns: {@code texts} as keystrokes, each {@code gapMillis} after the previous one, timed on
   * {@code scheduler}; a stand-in for a user typing.
   */
  public static Observable<String> typing(List<String> texts, long gapMillis, Scheduler scheduler) {
    return Observable.fromIterable(texts)
        .concatMap(text -> Observable.timer(gapMillis, TimeUnit.MILLISECONDS, scheduler).map(x -> text));
  }

  /** Types "cmwq" in real time, a key every 20 ms, and returns the queries sent. */
  public static List<String> run(WorkqueueRuntime rt, PrintStream out) {
    WorkqueueScheduler scheduler = CmwqSchedulers.bound(rt);
    try {
      return queries(typing(List.of("c", "cm", "cmw", "cmwq"), 20, scheduler), 100, scheduler)
          .doOnNext(q -> out.printf("query \"%s\" sent on %s%n", q, Thread.currentThread().getName()))
          .toList()
          .blockingGet(); // debounce sends the pending text at once when the keystrokes complete
    } finally {
      scheduler.shutdown();
    }
  }
}
