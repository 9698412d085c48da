// The code under test: a reminder sent 30 days after sign-up.
export function register(runtime) {
  runtime.registerActivity('SendReminder', async (_ctx, email) => `sent to ${email}`);
  runtime.registerOrchestration('Reminder', function* (ctx, email) {
    yield ctx.scheduleTimer(30 * 24 * 60 * 60 * 1000);
    return yield ctx.scheduleActivity('SendReminder', email);
  });
}
