/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Crash safety of EnablePersistent (issue 7): the daemon, built with the
 * simulated kernel, on a fake host tree, gets EnablePersistent calls that
 * flip the setting each time, pipelined so that a write is always under
 * way, and is killed with SIGKILL at a random moment, again and again.
 *
 * After every kill, /etc/modprobe.d/kvm.conf holds exactly the old or the
 * new contents (the temporary file, fsync and rename promise), never a
 * mix, nothing else, and it parses with the setting either way; the lines
 * around the setting are kept. After the next start the daemon has
 * removed every temporary file an interrupted write left, and still
 * answers. The kills land inside writes often enough that some leave a
 * temporary file behind: the test says how many did.
 */
#include "config.h"

#include <string.h>

#include "nv-dbus.h"
#include "nv-modprobe.h"
#include "nv-test-bus.h"
#include "nv-test-host.h"

#define KVM_CONF     "/etc/modprobe.d/kvm.conf"
#define MODPROBE_DIR "/etc/modprobe.d"

/* Lines that every version of the file must keep around the setting. */
#define CONF_HEAD "# Local settings, edited by hand.\noptions kvm ignore_msrs=1\n"
#define CONF_TAIL "\n# keep this comment\noptions kvm_intel ept=1 # and this one\n"

/* At least this many toggles answered over the run, and this many kills;
 * at most MAX_KILLS to get there. */
#define MIN_TOGGLES 1000
#define MIN_KILLS   100
#define MAX_KILLS   2000
/* A kill lands inside the few microseconds of a write only now and then:
 * every this many kills, the test leaves a temporary file as such a kill
 * would (half a file, under a name of the daemon's pattern). */
#define PLANT_EVERY 10
/* Calls in flight when the kill comes: more than the daemon can answer
 * within the longest wait, so that it is always busy writing. */
#define CALLS_PER_ROUND 100
/* Under AddressSanitizer the daemon is slower: wait longer, so that as many
 * toggles get through before each kill and the run stays short. */
#define MAX_WAIT_US (NV_TEST_UNDER_ASAN ? 90000 : 30000)

typedef struct {
        NvTestEnv env;
        char *disabled; /* the file's two valid contents */
        char *enabled;
} Fixture;

typedef struct {
        guint n_pending;
        guint n_answered; /* successful replies */
} Round;

static void fixture_setup(Fixture *f, gconstpointer data)
{
        const NvTestEnvOptions options = { .daemon_program = nv_test_getenv("NV_DAEMON_SIM") };

        nv_test_env_setup_full(&f->env, NV_TEST_PRESET_INTEL_LOADED, &options);
        nv_test_host_write_modprobe(f->env.host, MODPROBE_DIR, "kvm.conf",
                                    CONF_HEAD "options kvm_intel nested=0" CONF_TAIL);
        /* Another file in the directory, which no cleanup may touch. */
        nv_test_host_write_modprobe(f->env.host, MODPROBE_DIR, ".kvm.conf.bak", "# a user's backup\n");
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
        g_clear_pointer(&f->disabled, g_free);
        g_clear_pointer(&f->enabled, g_free);
        nv_test_env_teardown(&f->env);
}

static char *read_conf(Fixture *f)
{
        g_autoptr(GBytes) bytes = nv_test_host_read(f->env.host, KVM_CONF);

        g_assert_nonnull(bytes);
        return g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
}

static void enable_sync(Fixture *f, gboolean enable)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply =
                nv_test_env_call(&f->env, NV_INTERFACE, "EnablePersistent", g_variant_new("(b)", enable),
                                 G_VARIANT_TYPE("(s)"), &error);

        g_assert_no_error(error);
        g_assert_nonnull(reply);
}

/* The file is one of the two versions, whole, and says what that version
 * says; returns whether it is the enabled one. */
static gboolean assert_conf_valid(Fixture *f)
{
        g_autofree char *text = read_conf(f);
        g_auto(NvModprobeOption) option = { 0 };
        gboolean enabled;

        if (g_str_equal(text, f->enabled))
                enabled = TRUE;
        else if (g_str_equal(text, f->disabled))
                enabled = FALSE;
        else
                g_error("kvm.conf is neither the old nor the new version:\n%s", text);

        g_assert_true(nv_modprobe_find_option(text, strlen(text), "kvm_intel", "nested", &option));
        g_assert_true(option.has_value);
        g_assert_cmpstr(option.value, ==, enabled ? "1" : "0");
        return enabled;
}

/* The names in /etc/modprobe.d that an interrupted write leaves. */
static guint count_temporaries(Fixture *f)
{
        g_autofree char *dir_path = nv_test_host_path(f->env.host, MODPROBE_DIR);
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
        const char *name;
        guint n = 0;

        g_assert_no_error(error);
        while ((name = g_dir_read_name(dir))) {
                if (g_str_has_prefix(name, ".kvm.conf.") && !g_str_equal(name, ".kvm.conf.bak"))
                        n++;
        }
        return n;
}

static void toggle_finished(GObject *source, GAsyncResult *result, gpointer user_data)
{
        Round *round = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

        /* Calls cut off by the kill fail (NoReply, or no owner): fine. */
        if (reply)
                round->n_answered++;
        round->n_pending--;
}

static gboolean round_done(gpointer user_data)
{
        return ((Round *)user_data)->n_pending == 0;
}

static gboolean wait_elapsed(gpointer user_data)
{
        return g_get_monotonic_time() >= *(const gint64 *)user_data;
}

static void test_kill_during_toggles(Fixture *f, gconstpointer data)
{
        g_autoptr(GRand) rand = g_rand_new();
        guint n_kills = 0, n_toggles = 0, n_temporaries = 0;
        gboolean enabled;

        /* The two versions, as the daemon writes them. */
        nv_test_env_start_daemon(&f->env);
        enable_sync(f, TRUE);
        f->enabled = read_conf(f);
        enable_sync(f, FALSE);
        f->disabled = read_conf(f);
        g_assert_cmpstr(f->disabled, ==, CONF_HEAD "options kvm_intel nested=0" CONF_TAIL);
        g_assert_cmpstr(f->enabled, ==, CONF_HEAD "options kvm_intel nested=1" CONF_TAIL);
        enabled = FALSE;

        while (n_kills < MIN_KILLS || n_toggles < MIN_TOGGLES) {
                Round round = { 0 };
                gint64 deadline;

                /* Each call flips the setting, so each one that gets
                 * through writes the file. */
                for (guint i = 0; i < CALLS_PER_ROUND; i++) {
                        enabled = !enabled;
                        round.n_pending++;
                        g_dbus_connection_call(f->env.connection, NV_BUS_NAME, NV_OBJECT_PATH, NV_INTERFACE,
                                               "EnablePersistent", g_variant_new("(b)", enabled),
                                               G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                               NV_TEST_TIMEOUT_MS, NULL, toggle_finished, &round);
                }
                /* A random moment, with the replies dispatched meanwhile. */
                deadline = g_get_monotonic_time() + g_rand_int_range(rand, 0, MAX_WAIT_US);
                nv_test_wait_until(wait_elapsed, &deadline, MAX_WAIT_US / 1000 + 100);

                /* SIGKILL, and reaped. */
                g_clear_pointer(&f->env.daemon, nv_test_daemon_free);
                n_kills++;
                g_assert_true(nv_test_wait_until(round_done, &round, NV_TEST_TIMEOUT_MS));
                n_toggles += round.n_answered;

                enabled = assert_conf_valid(f);
                n_temporaries += count_temporaries(f) > 0;
                if (n_kills % PLANT_EVERY == 0) {
                        g_autofree char *name = g_strdup_printf(".kvm.conf.%08x", g_rand_int(rand));

                        nv_test_host_write_modprobe(f->env.host, MODPROBE_DIR, name,
                                                    CONF_HEAD "options kvm_in");
                        g_assert_cmpuint(count_temporaries(f), >, 0);
                }

                nv_test_env_start_daemon(&f->env);
                /* Gone before the daemon took its name. */
                g_assert_cmpuint(count_temporaries(f), ==, 0);
                g_assert_true(assert_conf_valid(f) == enabled);
                g_assert_cmpuint(n_kills, <, MAX_KILLS);
        }

        g_test_message("%u kills, %u toggles answered, %u kills left a temporary file", n_kills, n_toggles,
                       n_temporaries);
        /* The user's file that merely looks like one of ours is kept. */
        {
                g_autoptr(GBytes) backup = nv_test_host_read(f->env.host, MODPROBE_DIR "/.kvm.conf.bak");

                g_assert_nonnull(backup);
        }
        /* Still working: one more flip, answered and written. */
        enable_sync(f, !enabled);
        g_assert_true(assert_conf_valid(f) == !enabled);
}

int main(int argc, char *argv[])
{
        static const char *const env_vars[] = { "NV_DAEMON_SIM", "NV_BUS_POLICY", NULL };
        g_autofree char *skip = NULL;

        nv_test_init(&argc, &argv);
        skip = nv_test_skip_reason(env_vars);

        nv_test_add(skip, "/crash/kill-during-enable-persistent", Fixture, NULL, fixture_setup,
                    test_kill_during_toggles, fixture_teardown);

        return nv_test_run_tests(skip);
}
