package dev.cmwq.rxjava3;

import static java.util.concurrent.TimeUnit.HOURS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Work;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * White-box: disposing a pending delayed task takes its timer off the wheel at once (cancel_work),
 * so operators that arm and dispose a timeout per item ({@code timeout}, {@code debounce}) do not
 * pile up timers until their deadlines.
 */
class TimerReleaseTest extends RuntimeTestBase {

  @Test
  void disposedDelayedTasksLeaveTheTimer() {
    WorkqueueScheduler s = CmwqSchedulers.bound(runtime());
    Scheduler.Worker w = s.createWorker();
    List<Disposable> direct = new ArrayList<>();
    List<Disposable> onWorker = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      direct.add(s.scheduleDirect(() -> {}, 1, HOURS));
      onWorker.add(w.schedule(() -> {}, 1, HOURS));
    }
    assertThat(direct).allMatch(d -> ((Work) d).isPending());
    assertThat(onWorker).allMatch(d -> ((TimedWorkerTask) d).trigger.isPending());
    direct.forEach(Disposable::dispose);
    onWorker.forEach(Disposable::dispose);
    assertThat(direct).allMatch(d -> d.isDisposed() && !((Work) d).isPending());
    assertThat(onWorker).allMatch(d -> d.isDisposed() && !((TimedWorkerTask) d).trigger.isPending());
    w.dispose();
  }

  @Test
  void disposingTheWorkerTakesItsTimersOff() {
    WorkqueueScheduler s = CmwqSchedulers.unbound(runtime());
    Scheduler.Worker w = s.createWorker();
    List<Disposable> onWorker = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      onWorker.add(w.schedule(() -> {}, 1, HOURS));
    }
    w.dispose();
    assertThat(onWorker).allMatch(d -> d.isDisposed() && !((TimedWorkerTask) d).trigger.isPending());
  }
}
