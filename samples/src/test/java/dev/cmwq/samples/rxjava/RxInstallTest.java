package dev.cmwq.samples.rxjava;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.rxjava3.CmwqSchedulers;
import dev.cmwq.samples.SampleRuntimes;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RxInstallTest extends SampleRuntimes {

  @AfterEach
  void restoreRxJavaSchedulers() {
    CmwqSchedulers.reset(); // in case the sample failed before its own finally; a no-op otherwise
  }

  @Test
  void standardSchedulersRunOnCmwqUntilReset() {
    RxInstall.Result r = RxInstall.run(runtime(2), QUIET);
    String p = Pattern.quote(prefix(0));
    assertThat(r.cmwqWhileInstalled()).isTrue();
    assertThat(r.threadsWhileInstalled().get("computation")).matches(p + "[01]:\\d+");
    assertThat(r.threadsWhileInstalled().get("Single.timer")).matches(p + "[01]:\\d+");
    assertThat(r.threadsWhileInstalled().get("io")).matches(p + "u\\d+:\\d+");
    assertThat(r.threadsWhileInstalled().get("newThread")).matches(p + "u\\d+:\\d+");
    assertThat(r.threadsWhileInstalled().get("single")).matches(p + "u\\d+:\\d+");
    assertThat(r.cmwqAfterReset()).isFalse();
    assertThat(CmwqSchedulers.isInstalled()).isFalse();
  }
}
