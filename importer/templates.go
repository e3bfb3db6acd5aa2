package importer

import "github.com/ascendkit/ascendkit/client/ascendkit"

// Template slugs of the migration emails.
const (
	SlugAnnouncement          = "migration-announcement"
	SlugGoLive                = "migration-go-live"
	SlugReminder              = "migration-reminder"
	SlugPasswordReset         = "migration-password-reset"
	SlugPasswordResetReminder = "migration-password-reset-reminder"
)

// migrationTemplates are the 5 emails of import.md. They are transactional:
// they concern the user's account, not marketing.
func migrationTemplates() []ascendkit.Template {
	return []ascendkit.Template{
		{
			Slug: SlugAnnouncement, Name: "Migration announcement", Category: "transactional",
			Subject:  "We're moving {{appName}} to a new sign-in platform",
			BodyText: "Hi {{userName}},\n\nWe're moving {{appName}} to a new platform for sign-in and accounts. Your account, history and settings come with you: there is nothing you need to do yet.\n\nIn a few days we'll let you know when the new sign-in is live.\n\nThe {{appName}} team",
			BodyHTML: "<p>Hi {{userName}},</p><p>We're moving {{appName}} to a new platform for sign-in and accounts. Your account, history and settings come with you: there is nothing you need to do yet.</p><p>In a few days we'll let you know when the new sign-in is live.</p><p>The {{appName}} team</p>",
		},
		// Sent to every imported user, also those whose OAuth accounts the
		// source did not hold (a clerk migrate file): it promises no link,
		// only a way in.
		{
			Slug: SlugGoLive, Name: "Migration go-live", Category: "transactional",
			Subject:  "{{appName}}'s new sign-in is live — try logging in",
			BodyText: "Hi {{userName}},\n\nThe migration is live. Sign in to {{appName}} here:\n{{loginUrl}}\n\nIf you used Google, GitHub or another provider before, try the same button. If it is not there or does not open your account, sign in with your email address instead.\n\nThe {{appName}} team",
			BodyHTML: "<p>Hi {{userName}},</p><p>The migration is live. <a href=\"{{loginUrl}}\">Sign in to {{appName}}</a>.</p><p>If you used Google, GitHub or another provider before, try the same button. If it is not there or does not open your account, sign in with your email address instead.</p><p>The {{appName}} team</p>",
		},
		{
			Slug: SlugReminder, Name: "Migration reminder", Category: "transactional",
			Subject:  "Have you logged in to {{appName}} yet?",
			BodyText: "Hi {{userName}},\n\nWe noticed you haven't signed in since {{appName}} moved to its new platform. It only takes a moment:\n{{loginUrl}}\n\nThe {{appName}} team",
			BodyHTML: "<p>Hi {{userName}},</p><p>We noticed you haven't signed in since {{appName}} moved to its new platform. It only takes a moment: <a href=\"{{loginUrl}}\">sign in</a>.</p><p>The {{appName}} team</p>",
		},
		// Sent to the users tagged TagNeedsPasswordReset: those whose
		// password was not kept, and also those who never had one but whose
		// OAuth sign-in does not carry over (ReasonNoUsableOAuth), and those
		// the source does not say about, taken to have had one
		// (passwordAssumed). The copy holds for all of them: it does not
		// say they had a password. An environment keeps the text it was
		// created with (CreateTemplate leaves an existing slug alone);
		// `template update` changes it.
		{
			Slug: SlugPasswordReset, Name: "Migration password reset", Category: "transactional",
			Subject:  "Set your new {{appName}} password",
			BodyText: "Hi {{userName}},\n\n{{appName}} has moved to a new sign-in platform, and your password, if you had one, could not be carried over. Please set a password for your account:\n{{resetUrl}}\n\nThe {{appName}} team",
			BodyHTML: "<p>Hi {{userName}},</p><p>{{appName}} has moved to a new sign-in platform, and your password, if you had one, could not be carried over. Please set a password for your account: <a href=\"{{resetUrl}}\">set your password</a>.</p><p>The {{appName}} team</p>",
		},
		{
			Slug: SlugPasswordResetReminder, Name: "Migration password reset reminder", Category: "transactional",
			Subject:  "Reminder: set your {{appName}} password",
			BodyText: "Hi {{userName}},\n\nYou haven't set your new {{appName}} password yet. You'll need it to sign in:\n{{resetUrl}}\n\nThe {{appName}} team",
			BodyHTML: "<p>Hi {{userName}},</p><p>You haven't set your new {{appName}} password yet. You'll need it to sign in: <a href=\"{{resetUrl}}\">set your password</a>.</p><p>The {{appName}} team</p>",
		},
	}
}
