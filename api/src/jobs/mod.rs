//! Work that runs beside the requests in every instance: the durable outbox (`outbox`), whose
//! sender delivers notices by mail exactly once across instances. `lib.rs::run` starts the
//! jobs with [`start`] and stops them with [`Jobs::stop`] after the last request is answered.
pub mod outbox;

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::kernel::Ctx;

/// The running jobs of this instance.
pub struct Jobs {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
    /// How long stopping waits for a job to finish what it is doing (a notice on its way).
    grace: Duration,
}

/// Start this instance's jobs: the outbox sender (owner: this host, process and a random part).
pub fn start(ctx: &Ctx) -> anyhow::Result<Jobs> {
    let (stop, stopped) = watch::channel(false);
    let sender = outbox::Sender::new(&ctx.settings.mail, outbox::instance_owner())?;
    let grace = Duration::from_secs(3 * ctx.settings.mail.timeout_secs + 5);
    let task = tokio::spawn(sender.run(ctx.clone(), stopped));
    Ok(Jobs {
        stop,
        tasks: vec![("outbox sender", task)],
        grace,
    })
}

impl Jobs {
    /// Ask every job to stop and wait for each to finish its current piece of work (at most the
    /// grace time; then it is cut off — a notice cut off mid-delivery is sent again after its
    /// lease, with the same Message-ID).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for (name, mut task) in self.tasks {
            if tokio::time::timeout(self.grace, &mut task).await.is_err() {
                tracing::warn!(job = name, "a job did not stop in time; cut off");
                task.abort();
            }
        }
    }
}
