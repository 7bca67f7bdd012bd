package dev.cmwq.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.Workqueue;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/** The shared global schedulers, concurrency management seen through a scheduler, options. */
class SharedAndBlockingTest {

  @Test
  void sharedSchedulersIgnoreDisposeLikeReactorsCachedOnes() {
    assertThat(CmwqSchedulers.bound()).as("cached").isSameAs(CmwqSchedulers.bound());
    for (WorkqueueScheduler s : new WorkqueueScheduler[] {CmwqSchedulers.bound(), CmwqSchedulers.highpri(), CmwqSchedulers.unbound()}) {
      s.dispose();
      s.disposeGracefully().block(Duration.ofSeconds(5));
      assertThat(s.isDisposed()).isFalse();
      s.init();
      assertThat(Mono.fromCallable(() -> Thread.currentThread().getName()).subscribeOn(s).block(Duration.ofSeconds(5)))
          .startsWith("kworker/");
    }
    assertThat(CmwqSchedulers.highpri().workqueue().isHighpri()).isTrue();
    assertThat(CmwqSchedulers.unbound().workqueue().isUnbound()).isTrue();
  }

  @Test
  void aBlockingTaskOnBoundDoesNotStallTheNextOne() throws Exception {
    // one CPU slot: with a fixed pool of one thread the second task could never run, and the
    // first would wait for it for ever
    try (TestRuntime t = new TestRuntime(b -> b.cpus(1))) {
      WorkqueueScheduler s = CmwqSchedulers.bound(t.rt);
      CountDownLatch release = new CountDownLatch(1);
      AtomicBoolean released = new AtomicBoolean();
      CountDownLatch firstDone = new CountDownLatch(1);
      s.schedule(
          () -> {
            try {
              released.set(release.await(5, TimeUnit.SECONDS)); // undeclared blocking
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            firstDone.countDown();
          });
      s.schedule(release::countDown);
      assertThat(firstDone.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(released).as("the second task ran while the first blocked").isTrue();
    }
  }

  @Test
  void aSystemWorkqueueCannotBeOwned() throws Exception {
    try (TestRuntime t = new TestRuntime()) {
      assertThatThrownBy(
              () -> CmwqSchedulers.fromWorkqueue(t.rt.systemWq(), SchedulerOptions.defaults().withOwnsWorkqueue(true)))
          .isInstanceOf(IllegalArgumentException.class);
      Workqueue wq = Workqueue.builder("mine").runtime(t.rt).build();
      WorkqueueScheduler s = CmwqSchedulers.fromWorkqueue(wq, SchedulerOptions.defaults().withOwnsWorkqueue(true).withName("mine!"));
      assertThat(s.name()).isEqualTo("mine!");
      assertThat(s.ownsWorkqueue()).isTrue();
      s.disposeGracefully().block(Duration.ofSeconds(5));
      assertThat(wq.isDestroyed()).isTrue();
    }
  }

  @Test
  void disposingTheSchedulerFromInsideItsOwnTaskTerminates() throws Exception {
    try (TestRuntime t = new TestRuntime()) {
      WorkqueueScheduler s = CmwqSchedulers.newOrdered("self-dispose", t.rt);
      Scheduler.Worker w = s.createWorker();
      CountDownLatch disposed = new CountDownLatch(1);
      w.schedule(
          () -> {
            s.dispose();
            disposed.countDown();
          });
      assertThat(disposed.await(5, TimeUnit.SECONDS)).isTrue();
      s.disposeGracefully().block(Duration.ofSeconds(5));
      assertThat(s.workqueue().isDestroyed()).isTrue();
    }
  }
}
