package dev.cmwq.samples.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.samples.SampleRuntimes;
import org.junit.jupiter.api.Test;

class WorkqueueKindsTest extends SampleRuntimes {

  @Test
  void eachKindRunsOnItsPoolsAndMaxActiveHoldsBack() throws Exception {
    WorkqueueKinds.Result r = WorkqueueKinds.run(runtime(2), QUIET);
    String p = java.util.regex.Pattern.quote(prefix(0));
    assertThat(r.threadByKind().get("kinds_bound")).matches(p + "[01]:\\d+");
    assertThat(r.threadByKind().get("kinds_highpri")).matches(p + "[01]:\\d+H");
    assertThat(r.threadByKind().get("kinds_unbound")).matches(p + "u\\d+:\\d+");
    assertThat(r.threadByKind().get("kinds_ordered")).matches(p + "u\\d+:\\d+");
    assertThat(r.heldBack()).isEqualTo(2);
    assertThat(r.rejectedAfterDestroy()).isTrue();
  }
}
