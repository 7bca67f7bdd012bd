package dev.cmwq.rxjava3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.WorkqueueRuntime;
import org.junit.jupiter.api.Test;

/** The no-argument factories use the global runtime's system workqueues; nothing is run on them here. */
class GlobalVariantsTest {

  @Test
  void noArgumentVariantsAreOnTheGlobalSystemWorkqueues() {
    WorkqueueRuntime global = WorkqueueRuntime.global();
    assertThat(CmwqSchedulers.bound().workqueue()).isSameAs(global.systemWq());
    assertThat(CmwqSchedulers.highpri().workqueue()).isSameAs(global.systemHighpriWq());
    assertThat(CmwqSchedulers.unbound().workqueue()).isSameAs(global.systemUnboundWq());
    assertThat(CmwqSchedulers.bound()).as("a new scheduler per call").isNotSameAs(CmwqSchedulers.bound());
    assertThat(CmwqSchedulers.bound().interruptsOnDispose()).isTrue();
    WorkqueueScheduler ordered = CmwqSchedulers.newOrdered("rx-global-ordered");
    assertThat(ordered.workqueue().isOrdered()).isTrue();
    assertThat(ordered.workqueue().runtime()).isSameAs(global);
    assertThat(ordered.toString()).contains("rx-global-ordered", "ordered");
    ordered.shutdown();
    assertThat(ordered.isShutdown()).isTrue();
  }

  @Test
  void badArguments() {
    assertThatThrownBy(() -> CmwqSchedulers.fromWorkqueue(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("wq");
    assertThatThrownBy(() -> CmwqSchedulers.newOrdered("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CmwqSchedulers.newOrdered("x".repeat(33))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CmwqSchedulers.install(null)).isInstanceOf(NullPointerException.class);
  }
}
