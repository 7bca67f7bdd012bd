package dev.cmwq.rxjava3;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.WorkqueueRuntime;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.functions.Function;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import io.reactivex.rxjava3.schedulers.Schedulers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link CmwqSchedulers#install} and {@link CmwqSchedulers#reset}: the RxJavaPlugins round trip. */
class InstallTest extends RuntimeTestBase {

  @AfterEach
  void uninstall() {
    CmwqSchedulers.reset();
    RxJavaPlugins.setComputationSchedulerHandler(null);
  }

  private static String threadOf(Scheduler s) {
    return Single.fromCallable(() -> Thread.currentThread().getName()).subscribeOn(s).timeout(10, SECONDS).blockingGet();
  }

  @Test
  void installPutsTheStandardSchedulersOnWorkqueuesAndResetRestoresRxJavas() {
    Scheduler rxComputation = Schedulers.computation();
    Scheduler rxIo = Schedulers.io();
    Scheduler rxSingle = Schedulers.single();
    Scheduler rxNewThread = Schedulers.newThread();
    WorkqueueRuntime rt = runtime();

    CmwqSchedulers.install(rt);
    assertThat(CmwqSchedulers.isInstalled()).isTrue();
    Scheduler computation = Schedulers.computation();
    assertThat(computation).isInstanceOf(WorkqueueScheduler.class);
    assertThat(((WorkqueueScheduler) computation).workqueue()).isSameAs(rt.systemWq());
    assertThat(((WorkqueueScheduler) Schedulers.io()).workqueue()).isSameAs(rt.systemUnboundWq());
    assertThat(((WorkqueueScheduler) Schedulers.newThread()).workqueue()).isSameAs(rt.systemUnboundWq());
    WorkqueueScheduler single = (WorkqueueScheduler) Schedulers.single();
    assertThat(single.workqueue().isOrdered()).isTrue();
    assertThat(single.workqueue().name()).isEqualTo(CmwqSchedulers.SINGLE_WORKQUEUE_NAME);
    assertThat(Schedulers.computation()).as("one scheduler per installation").isSameAs(computation);

    assertThat(threadOf(Schedulers.computation())).startsWith(prefix());
    assertThat(threadOf(Schedulers.io())).startsWith(prefix());
    assertThat(threadOf(Schedulers.single())).startsWith(prefix());
    assertThat(threadOf(Schedulers.newThread())).startsWith(prefix());
    // operators that use computation() by default
    assertThat(Flowable.timer(1, java.util.concurrent.TimeUnit.MILLISECONDS).map(x -> Thread.currentThread().getName()).blockingFirst())
        .startsWith(prefix());

    CmwqSchedulers.reset();
    assertThat(CmwqSchedulers.isInstalled()).isFalse();
    assertThat(Schedulers.computation()).isSameAs(rxComputation);
    assertThat(Schedulers.io()).isSameAs(rxIo);
    assertThat(Schedulers.single()).isSameAs(rxSingle);
    assertThat(Schedulers.newThread()).isSameAs(rxNewThread);
    assertThat(threadOf(Schedulers.computation())).doesNotStartWith(prefix());
    assertThat(computation.scheduleDirect(() -> {}).isDisposed()).as("reset shuts down what install handed out").isTrue();
    assertThat(single.workqueue().isDestroyed()).as("reset has started destroying single's workqueue").isTrue();
    assertThat(single.workqueue().destroyAsync()).succeedsWithin(10, SECONDS); // the same future
  }

  @Test
  void resetRestoresThePreviousHandlersAndLeavesOthersAlone() {
    Function<Scheduler, Scheduler> previous = s -> s;
    RxJavaPlugins.setComputationSchedulerHandler(previous);
    WorkqueueRuntime rt = runtime();
    CmwqSchedulers.install(rt);
    assertThat(RxJavaPlugins.getComputationSchedulerHandler()).isNotSameAs(previous);

    // someone else replaces the io handler meanwhile: reset must not clobber theirs
    Function<Scheduler, Scheduler> theirs = s -> s;
    RxJavaPlugins.setIoSchedulerHandler(theirs);
    CmwqSchedulers.reset();
    assertThat(RxJavaPlugins.getComputationSchedulerHandler()).isSameAs(previous);
    assertThat(RxJavaPlugins.getIoSchedulerHandler()).isSameAs(theirs);
    assertThat(RxJavaPlugins.getSingleSchedulerHandler()).isNull();
    assertThat(RxJavaPlugins.getNewThreadSchedulerHandler()).isNull();
    RxJavaPlugins.setIoSchedulerHandler(null);
    CmwqSchedulers.reset(); // no-op when not installed
  }

  @Test
  void schedulersShutdownThenStartHandsOutAFreshScheduler() {
    WorkqueueRuntime rt = runtime();
    CmwqSchedulers.install(rt);
    Scheduler first = Schedulers.computation();
    first.shutdown(); // what Schedulers.shutdown() does to each standard scheduler
    assertThat(first.scheduleDirect(() -> {}).isDisposed()).isTrue();
    Scheduler second = Schedulers.computation();
    assertThat(second).isNotSameAs(first).isInstanceOf(WorkqueueScheduler.class);
    assertThat(threadOf(second)).startsWith(prefix());
  }

  @Test
  void installingTwiceKeepsTheOriginalHandlersForReset() {
    Scheduler rxComputation = Schedulers.computation();
    CmwqSchedulers.install(runtime());
    CmwqSchedulers.install(runtime());
    assertThat(threadOf(Schedulers.computation())).startsWith(prefix());
    CmwqSchedulers.reset();
    assertThat(Schedulers.computation()).isSameAs(rxComputation);
  }
}
