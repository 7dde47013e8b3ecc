namespace TinyMLOps.Fleet.Store;

/// <summary>One schema step: applied once, in version order, in its own transaction, with the SQL of each engine side by side.</summary>
public sealed record StoreMigration(int Version, string Description, string Sqlite, string Postgres)
{
    public string SqlFor(string engine) => engine switch
    {
        FleetStoreEngines.Sqlite => Sqlite,
        FleetStoreEngines.Postgres => Postgres,
        _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "unknown store engine"),
    };
}

/// <summary>Engine names as reported by <see cref="IFleetStore.Engine"/>.</summary>
public static class FleetStoreEngines
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgresql";
}

/// <summary>
/// Every schema change of the fleet store, in order. Append new steps at the end with the next version;
/// never edit a step that has shipped. Times are Unix microseconds (UTC) in SQLite and timestamptz in PostgreSQL;
/// sequences and counters are 64-bit in both.
/// </summary>
public static class StoreMigrations
{
    /// <summary>The bookkeeping table, created (if missing) inside every migration transaction.</summary>
    public static readonly StoreMigration Bootstrap = new(
        0,
        "schema version bookkeeping",
        """
        CREATE TABLE IF NOT EXISTS schema_version (
            version     INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at  INTEGER NOT NULL
        );
        """,
        """
        CREATE TABLE IF NOT EXISTS schema_version (
            version     integer PRIMARY KEY,
            description text NOT NULL,
            applied_at  timestamptz NOT NULL
        );
        """);

    public static readonly IReadOnlyList<StoreMigration> All =
    [
        new(
            1,
            "device registry, uplink messages and drop reports",
            """
            CREATE TABLE devices (
                device_id        TEXT PRIMARY KEY,
                fleet            TEXT NOT NULL,
                board            TEXT NOT NULL DEFAULT '',
                credential_hash  TEXT NULL,
                firmware_version TEXT NOT NULL DEFAULT '',
                model_id         TEXT NOT NULL DEFAULT '',
                model_version    INTEGER NOT NULL DEFAULT 0,
                free_heap_bytes  INTEGER NOT NULL DEFAULT 0,
                free_flash_bytes INTEGER NOT NULL DEFAULT 0,
                kernel_mask      INTEGER NOT NULL DEFAULT 0,
                power_source     INTEGER NOT NULL DEFAULT 0,
                battery_percent  INTEGER NOT NULL DEFAULT 255,
                boot_count       INTEGER NOT NULL DEFAULT 0,
                outbox_entries   INTEGER NOT NULL DEFAULT 0,
                outbox_bytes     INTEGER NOT NULL DEFAULT 0,
                dropped_total    INTEGER NOT NULL DEFAULT 0,
                inferences       INTEGER NOT NULL DEFAULT 0,
                uptime_seconds   INTEGER NOT NULL DEFAULT 0,
                message_count    INTEGER NOT NULL DEFAULT 0,
                last_seq         INTEGER NOT NULL DEFAULT 0,
                hello_seq        INTEGER NOT NULL DEFAULT 0,
                heartbeat_seq    INTEGER NOT NULL DEFAULT 0,
                state_seq        INTEGER NOT NULL DEFAULT 0,
                first_seen       INTEGER NULL,
                last_seen        INTEGER NULL
            );
            CREATE INDEX devices_fleet ON devices (fleet, device_id);
            CREATE TABLE messages (
                device_id        TEXT NOT NULL,
                seq              INTEGER NOT NULL,
                kind             INTEGER NOT NULL,
                device_timestamp INTEGER NOT NULL,
                received_at      INTEGER NOT NULL,
                payload          BLOB NOT NULL,
                PRIMARY KEY (device_id, seq)
            ) WITHOUT ROWID;
            CREATE TABLE drops (
                drop_id     INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id   TEXT NOT NULL,
                seq         INTEGER NOT NULL,
                kind        INTEGER NOT NULL,
                count       INTEGER NOT NULL,
                first_seq   INTEGER NOT NULL,
                last_seq    INTEGER NOT NULL,
                received_at INTEGER NOT NULL
            );
            CREATE INDEX drops_device ON drops (device_id, seq);
            """,
            """
            CREATE TABLE devices (
                device_id        text PRIMARY KEY,
                fleet            text NOT NULL,
                board            text NOT NULL DEFAULT '',
                credential_hash  text NULL,
                firmware_version text NOT NULL DEFAULT '',
                model_id         text NOT NULL DEFAULT '',
                model_version    bigint NOT NULL DEFAULT 0,
                free_heap_bytes  bigint NOT NULL DEFAULT 0,
                free_flash_bytes bigint NOT NULL DEFAULT 0,
                kernel_mask      bigint NOT NULL DEFAULT 0,
                power_source     integer NOT NULL DEFAULT 0,
                battery_percent  integer NOT NULL DEFAULT 255,
                boot_count       bigint NOT NULL DEFAULT 0,
                outbox_entries   bigint NOT NULL DEFAULT 0,
                outbox_bytes     bigint NOT NULL DEFAULT 0,
                dropped_total    bigint NOT NULL DEFAULT 0,
                inferences       bigint NOT NULL DEFAULT 0,
                uptime_seconds   bigint NOT NULL DEFAULT 0,
                message_count    bigint NOT NULL DEFAULT 0,
                last_seq         bigint NOT NULL DEFAULT 0,
                hello_seq        bigint NOT NULL DEFAULT 0,
                heartbeat_seq    bigint NOT NULL DEFAULT 0,
                state_seq        bigint NOT NULL DEFAULT 0,
                first_seen       timestamptz NULL,
                last_seen        timestamptz NULL
            );
            CREATE INDEX devices_fleet ON devices (fleet, device_id);
            CREATE TABLE messages (
                device_id        text NOT NULL,
                seq              bigint NOT NULL,
                kind             integer NOT NULL,
                device_timestamp bigint NOT NULL,
                received_at      timestamptz NOT NULL,
                payload          bytea NOT NULL,
                PRIMARY KEY (device_id, seq)
            );
            CREATE TABLE drops (
                drop_id     bigserial PRIMARY KEY,
                device_id   text NOT NULL,
                seq         bigint NOT NULL,
                kind        integer NOT NULL,
                count       bigint NOT NULL,
                first_seq   bigint NOT NULL,
                last_seq    bigint NOT NULL,
                received_at timestamptz NOT NULL
            );
            CREATE INDEX drops_device ON drops (device_id, seq);
            """),
        new(
            2,
            "rejects, downlink sequences and commands",
            """
            CREATE TABLE rejects (
                reject_id INTEGER PRIMARY KEY AUTOINCREMENT,
                at        INTEGER NOT NULL,
                topic     TEXT NOT NULL,
                device_id TEXT NULL,
                reason    INTEGER NOT NULL,
                detail    TEXT NOT NULL,
                size      INTEGER NOT NULL
            );
            CREATE TABLE downlink_sequences (
                device_id TEXT PRIMARY KEY,
                last_seq  INTEGER NOT NULL
            );
            CREATE TABLE commands (
                command_id   INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id    TEXT NOT NULL,
                name         TEXT NOT NULL,
                arguments    BLOB NOT NULL,
                created_at   INTEGER NOT NULL,
                sent_at      INTEGER NULL,
                status       INTEGER NULL,
                detail       TEXT NULL,
                completed_at INTEGER NULL
            );
            CREATE INDEX commands_pending ON commands (device_id, command_id) WHERE completed_at IS NULL;
            """,
            """
            CREATE TABLE rejects (
                reject_id bigserial PRIMARY KEY,
                at        timestamptz NOT NULL,
                topic     text NOT NULL,
                device_id text NULL,
                reason    integer NOT NULL,
                detail    text NOT NULL,
                size      integer NOT NULL
            );
            CREATE TABLE downlink_sequences (
                device_id text PRIMARY KEY,
                last_seq  bigint NOT NULL
            );
            CREATE TABLE commands (
                command_id   bigserial PRIMARY KEY,
                device_id    text NOT NULL,
                name         text NOT NULL,
                arguments    bytea NOT NULL,
                created_at   timestamptz NOT NULL,
                sent_at      timestamptz NULL,
                status       integer NULL,
                detail       text NULL,
                completed_at timestamptz NULL
            );
            CREATE INDEX commands_pending ON commands (device_id, command_id) WHERE completed_at IS NULL;
            """),
        new(
            3,
            "variant rollouts and the devices they reached",
            """
            CREATE TABLE rollouts (
                rollout_id    INTEGER PRIMARY KEY AUTOINCREMENT,
                variant_id    TEXT NOT NULL,
                version       INTEGER NOT NULL,
                content_hash  TEXT NOT NULL,
                role          INTEGER NOT NULL,
                fleet         TEXT NULL,
                board         TEXT NULL,
                percent       INTEGER NOT NULL,
                stages        TEXT NOT NULL,
                policy        TEXT NOT NULL,
                state         TEXT NOT NULL,
                reason        TEXT NOT NULL DEFAULT '',
                created_at    INTEGER NOT NULL,
                updated_at    INTEGER NOT NULL
            );
            CREATE TABLE rollout_devices (
                rollout_id       INTEGER NOT NULL,
                device_id        TEXT NOT NULL,
                state            TEXT NOT NULL,
                previous_variant TEXT NOT NULL DEFAULT '',
                previous_hash    TEXT NOT NULL DEFAULT '',
                command_id       INTEGER NULL,
                assigned_at      INTEGER NOT NULL,
                installed_at     INTEGER NULL,
                updated_at       INTEGER NOT NULL,
                detail           TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (rollout_id, device_id)
            );
            CREATE INDEX rollout_devices_device ON rollout_devices (device_id, rollout_id);
            """,
            """
            CREATE TABLE rollouts (
                rollout_id    bigserial PRIMARY KEY,
                variant_id    text NOT NULL,
                version       integer NOT NULL,
                content_hash  text NOT NULL,
                role          integer NOT NULL,
                fleet         text NULL,
                board         text NULL,
                percent       integer NOT NULL,
                stages        text NOT NULL,
                policy        text NOT NULL,
                state         text NOT NULL,
                reason        text NOT NULL DEFAULT '',
                created_at    timestamptz NOT NULL,
                updated_at    timestamptz NOT NULL
            );
            CREATE TABLE rollout_devices (
                rollout_id       bigint NOT NULL,
                device_id        text NOT NULL,
                state            text NOT NULL,
                previous_variant text NOT NULL DEFAULT '',
                previous_hash    text NOT NULL DEFAULT '',
                command_id       bigint NULL,
                assigned_at      timestamptz NOT NULL,
                installed_at     timestamptz NULL,
                updated_at       timestamptz NOT NULL,
                detail           text NOT NULL DEFAULT '',
                PRIMARY KEY (rollout_id, device_id)
            );
            CREATE INDEX rollout_devices_device ON rollout_devices (device_id, rollout_id);
            """),
        new(
            4,
            "metering ledger, quota tokens and customers",
            """
            CREATE TABLE meter_devices (
                device_id   TEXT PRIMARY KEY,
                version     INTEGER NOT NULL,
                next_seq    INTEGER NOT NULL,
                head_hash   BLOB NOT NULL,
                flagged     INTEGER NOT NULL DEFAULT 0,
                flag_reason TEXT NOT NULL DEFAULT '',
                flagged_at  INTEGER NULL,
                cleared_at  INTEGER NULL,
                clear_note  TEXT NOT NULL DEFAULT '',
                updated_at  INTEGER NOT NULL
            );
            CREATE TABLE meter_models (
                device_id         TEXT NOT NULL,
                model_id          TEXT NOT NULL,
                claimed_limit     INTEGER NOT NULL,
                last_first        INTEGER NOT NULL,
                last_window_start INTEGER NOT NULL,
                last_boot         INTEGER NOT NULL,
                PRIMARY KEY (device_id, model_id)
            ) WITHOUT ROWID;
            CREATE TABLE meter_receipts (
                device_id      TEXT NOT NULL,
                msg_seq        INTEGER NOT NULL,
                receipt_seq    INTEGER NOT NULL,
                model_id       TEXT NOT NULL,
                variant_id     TEXT NOT NULL,
                range_first    INTEGER NOT NULL,
                range_count    INTEGER NOT NULL,
                grace_count    INTEGER NOT NULL,
                window_start   INTEGER NOT NULL,
                window_end     INTEGER NOT NULL,
                boot_count     INTEGER NOT NULL,
                quota_token_id INTEGER NOT NULL,
                flags          INTEGER NOT NULL,
                hash           BLOB NOT NULL,
                prev_hash      BLOB NOT NULL,
                status         TEXT NOT NULL,
                reason         TEXT NOT NULL,
                detail         TEXT NOT NULL,
                in_chain       INTEGER NOT NULL,
                received_at    INTEGER NOT NULL,
                billed_at      INTEGER NOT NULL,
                processed_at   INTEGER NOT NULL,
                PRIMARY KEY (device_id, msg_seq)
            ) WITHOUT ROWID;
            CREATE INDEX meter_receipts_seq ON meter_receipts (device_id, receipt_seq);
            CREATE INDEX meter_receipts_model ON meter_receipts (device_id, model_id, range_first);
            CREATE INDEX meter_receipts_billing ON meter_receipts (billed_at) WHERE status IN ('accepted', 'untrusted');
            CREATE INDEX meter_receipts_pending ON meter_receipts (device_id, receipt_seq) WHERE status = 'pending';
            CREATE TABLE meter_findings (
                finding_id       INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id        TEXT NOT NULL,
                reason           TEXT NOT NULL,
                serious          INTEGER NOT NULL,
                receipt_seq      INTEGER NOT NULL,
                last_receipt_seq INTEGER NOT NULL,
                msg_seq          INTEGER NOT NULL,
                detail           TEXT NOT NULL,
                at               INTEGER NOT NULL,
                resolved_at      INTEGER NULL
            );
            CREATE INDEX meter_findings_device ON meter_findings (device_id, finding_id);
            CREATE TABLE meter_customers (
                device_id TEXT PRIMARY KEY,
                customer  TEXT NOT NULL
            );
            CREATE TABLE quota_counters (
                device_id     TEXT PRIMARY KEY,
                last_token_id INTEGER NOT NULL
            );
            CREATE TABLE quota_tokens (
                device_id       TEXT NOT NULL,
                token_id        INTEGER NOT NULL,
                model_id        TEXT NOT NULL,
                allowance       INTEGER NOT NULL,
                issued_at       INTEGER NOT NULL,
                expires_at      INTEGER NOT NULL,
                policy          INTEGER NOT NULL,
                grace_allowance INTEGER NOT NULL,
                command_id      INTEGER NOT NULL,
                PRIMARY KEY (device_id, token_id)
            );
            CREATE INDEX messages_usage_receipts ON messages (device_id, seq) WHERE kind = 9;
            """,
            """
            CREATE TABLE meter_devices (
                device_id   text PRIMARY KEY,
                version     bigint NOT NULL,
                next_seq    bigint NOT NULL,
                head_hash   bytea NOT NULL,
                flagged     integer NOT NULL DEFAULT 0,
                flag_reason text NOT NULL DEFAULT '',
                flagged_at  timestamptz NULL,
                cleared_at  timestamptz NULL,
                clear_note  text NOT NULL DEFAULT '',
                updated_at  timestamptz NOT NULL
            );
            CREATE TABLE meter_models (
                device_id         text NOT NULL,
                model_id          text NOT NULL,
                claimed_limit     bigint NOT NULL,
                last_first        bigint NOT NULL,
                last_window_start bigint NOT NULL,
                last_boot         bigint NOT NULL,
                PRIMARY KEY (device_id, model_id)
            );
            CREATE TABLE meter_receipts (
                device_id      text NOT NULL,
                msg_seq        bigint NOT NULL,
                receipt_seq    bigint NOT NULL,
                model_id       text NOT NULL,
                variant_id     text NOT NULL,
                range_first    bigint NOT NULL,
                range_count    bigint NOT NULL,
                grace_count    bigint NOT NULL,
                window_start   bigint NOT NULL,
                window_end     bigint NOT NULL,
                boot_count     bigint NOT NULL,
                quota_token_id bigint NOT NULL,
                flags          integer NOT NULL,
                hash           bytea NOT NULL,
                prev_hash      bytea NOT NULL,
                status         text NOT NULL,
                reason         text NOT NULL,
                detail         text NOT NULL,
                in_chain       integer NOT NULL,
                received_at    timestamptz NOT NULL,
                billed_at      bigint NOT NULL,
                processed_at   timestamptz NOT NULL,
                PRIMARY KEY (device_id, msg_seq)
            );
            CREATE INDEX meter_receipts_seq ON meter_receipts (device_id, receipt_seq);
            CREATE INDEX meter_receipts_model ON meter_receipts (device_id, model_id, range_first);
            CREATE INDEX meter_receipts_billing ON meter_receipts (billed_at) WHERE status IN ('accepted', 'untrusted');
            CREATE INDEX meter_receipts_pending ON meter_receipts (device_id, receipt_seq) WHERE status = 'pending';
            CREATE TABLE meter_findings (
                finding_id       bigserial PRIMARY KEY,
                device_id        text NOT NULL,
                reason           text NOT NULL,
                serious          integer NOT NULL,
                receipt_seq      bigint NOT NULL,
                last_receipt_seq bigint NOT NULL,
                msg_seq          bigint NOT NULL,
                detail           text NOT NULL,
                at               timestamptz NOT NULL,
                resolved_at      timestamptz NULL
            );
            CREATE INDEX meter_findings_device ON meter_findings (device_id, finding_id);
            CREATE TABLE meter_customers (
                device_id text PRIMARY KEY,
                customer  text NOT NULL
            );
            CREATE TABLE quota_counters (
                device_id     text PRIMARY KEY,
                last_token_id bigint NOT NULL
            );
            CREATE TABLE quota_tokens (
                device_id       text NOT NULL,
                token_id        bigint NOT NULL,
                model_id        text NOT NULL,
                allowance       bigint NOT NULL,
                issued_at       timestamptz NOT NULL,
                expires_at      timestamptz NOT NULL,
                policy          integer NOT NULL,
                grace_allowance bigint NOT NULL,
                command_id      bigint NOT NULL,
                PRIMARY KEY (device_id, token_id)
            );
            CREATE INDEX messages_usage_receipts ON messages (device_id, seq) WHERE kind = 9;
            """),
        new(
            5,
            "drift windows with their cohort and host scores",
            """
            CREATE TABLE drift_windows (
                device_id        TEXT NOT NULL,
                msg_seq          INTEGER NOT NULL,
                fleet            TEXT NOT NULL,
                board            TEXT NOT NULL,
                firmware_version TEXT NOT NULL,
                variant_id       TEXT NOT NULL,
                window_start     INTEGER NOT NULL,
                window_seconds   INTEGER NOT NULL,
                sample_count     INTEGER NOT NULL,
                epsilon          REAL NOT NULL,
                flags            INTEGER NOT NULL,
                scored           INTEGER NOT NULL,
                input_psi        REAL NOT NULL,
                feature          INTEGER NOT NULL,
                class_psi        REAL NOT NULL,
                confidence_psi   REAL NOT NULL,
                mean_confidence  REAL NOT NULL,
                drifted          INTEGER NOT NULL,
                received_at      INTEGER NOT NULL,
                payload          BLOB NOT NULL,
                PRIMARY KEY (device_id, msg_seq)
            ) WITHOUT ROWID;
            CREATE INDEX drift_windows_cohort ON drift_windows (fleet, board, variant_id, device_id);
            CREATE INDEX messages_drift ON messages (device_id, seq) WHERE kind = 10;
            """,
            """
            CREATE TABLE drift_windows (
                device_id        text NOT NULL,
                msg_seq          bigint NOT NULL,
                fleet            text NOT NULL,
                board            text NOT NULL,
                firmware_version text NOT NULL,
                variant_id       text NOT NULL,
                window_start     bigint NOT NULL,
                window_seconds   bigint NOT NULL,
                sample_count     bigint NOT NULL,
                epsilon          double precision NOT NULL,
                flags            integer NOT NULL,
                scored           integer NOT NULL,
                input_psi        double precision NOT NULL,
                feature          integer NOT NULL,
                class_psi        double precision NOT NULL,
                confidence_psi   double precision NOT NULL,
                mean_confidence  double precision NOT NULL,
                drifted          integer NOT NULL,
                received_at      timestamptz NOT NULL,
                payload          bytea NOT NULL,
                PRIMARY KEY (device_id, msg_seq)
            );
            CREATE INDEX drift_windows_cohort ON drift_windows (fleet, board, variant_id, device_id);
            CREATE INDEX messages_drift ON messages (device_id, seq) WHERE kind = 10;
            """),
        new(
            6,
            "federated rounds and their participants",
            """
            CREATE TABLE fl_rounds (
                round_id             TEXT PRIMARY KEY,
                model_id             TEXT NOT NULL,
                base_variant_id      TEXT NOT NULL,
                base_version         INTEGER NOT NULL,
                base_hash            TEXT NOT NULL,
                role                 INTEGER NOT NULL,
                fleet                TEXT NULL,
                board                TEXT NULL,
                strategy             TEXT NOT NULL,
                config               TEXT NOT NULL,
                state                TEXT NOT NULL,
                reason               TEXT NOT NULL DEFAULT '',
                created_at           INTEGER NOT NULL,
                deadline             INTEGER NOT NULL,
                updated_at           INTEGER NOT NULL,
                result               TEXT NULL,
                candidate_head       BLOB NULL,
                candidate_variant_id TEXT NULL,
                candidate_version    INTEGER NULL,
                rollout_id           INTEGER NULL,
                version              INTEGER NOT NULL
            );
            CREATE INDEX fl_rounds_state ON fl_rounds (state);
            CREATE TABLE fl_participants (
                round_id     TEXT NOT NULL REFERENCES fl_rounds (round_id),
                device_id    TEXT NOT NULL,
                state        TEXT NOT NULL,
                command_id   INTEGER NULL,
                invited_at   INTEGER NOT NULL,
                updated_at   INTEGER NOT NULL,
                transfer_id  INTEGER NULL,
                sample_count INTEGER NULL,
                delta_bytes  INTEGER NULL,
                detail       TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (round_id, device_id)
            ) WITHOUT ROWID;
            """,
            """
            CREATE TABLE fl_rounds (
                round_id             text PRIMARY KEY,
                model_id             text NOT NULL,
                base_variant_id      text NOT NULL,
                base_version         integer NOT NULL,
                base_hash            text NOT NULL,
                role                 integer NOT NULL,
                fleet                text NULL,
                board                text NULL,
                strategy             text NOT NULL,
                config               text NOT NULL,
                state                text NOT NULL,
                reason               text NOT NULL DEFAULT '',
                created_at           timestamptz NOT NULL,
                deadline             timestamptz NOT NULL,
                updated_at           timestamptz NOT NULL,
                result               text NULL,
                candidate_head       bytea NULL,
                candidate_variant_id text NULL,
                candidate_version    integer NULL,
                rollout_id           bigint NULL,
                version              integer NOT NULL
            );
            CREATE INDEX fl_rounds_state ON fl_rounds (state);
            CREATE TABLE fl_participants (
                round_id     text NOT NULL REFERENCES fl_rounds (round_id),
                device_id    text NOT NULL,
                state        text NOT NULL,
                command_id   bigint NULL,
                invited_at   timestamptz NOT NULL,
                updated_at   timestamptz NOT NULL,
                transfer_id  bigint NULL,
                sample_count bigint NULL,
                delta_bytes  bigint NULL,
                detail       text NOT NULL DEFAULT '',
                PRIMARY KEY (round_id, device_id)
            );
            """),
        new(
            7,
            "extraction signals of usage receipts and extraction suspects",
            """
            CREATE TABLE meter_signals (
                device_id           TEXT NOT NULL,
                receipt_seq         INTEGER NOT NULL,
                model_id            TEXT NOT NULL,
                variant_id          TEXT NOT NULL,
                window_start        INTEGER NOT NULL,
                window_end          INTEGER NOT NULL,
                count               INTEGER NOT NULL,
                observed            INTEGER NOT NULL,
                low_confidence      INTEGER NOT NULL,
                out_of_distribution INTEGER NOT NULL,
                near_duplicate      INTEGER NOT NULL,
                baseline_per_hour   INTEGER NOT NULL,
                received_at         INTEGER NOT NULL,
                PRIMARY KEY (device_id, receipt_seq)
            ) WITHOUT ROWID;
            CREATE INDEX meter_signals_model ON meter_signals (model_id, window_end);
            CREATE TABLE extraction_suspects (
                device_id         TEXT PRIMARY KEY,
                state             TEXT NOT NULL,
                score             INTEGER NOT NULL,
                reasons           TEXT NOT NULL,
                model_id          TEXT NOT NULL,
                observed          INTEGER NOT NULL,
                rate_per_hour     REAL NOT NULL,
                baseline_per_hour REAL NOT NULL,
                fleet_per_hour    REAL NOT NULL,
                low_share         REAL NOT NULL,
                ood_share         REAL NOT NULL,
                dup_share         REAL NOT NULL,
                quota_cut         INTEGER NOT NULL,
                evaluated_at      INTEGER NOT NULL,
                flagged_at        INTEGER NULL,
                cleared_at        INTEGER NULL,
                note              TEXT NOT NULL DEFAULT ''
            );
            """,
            """
            CREATE TABLE meter_signals (
                device_id           text NOT NULL,
                receipt_seq         bigint NOT NULL,
                model_id            text NOT NULL,
                variant_id          text NOT NULL,
                window_start        bigint NOT NULL,
                window_end          bigint NOT NULL,
                count               bigint NOT NULL,
                observed            bigint NOT NULL,
                low_confidence      bigint NOT NULL,
                out_of_distribution bigint NOT NULL,
                near_duplicate      bigint NOT NULL,
                baseline_per_hour   bigint NOT NULL,
                received_at         timestamptz NOT NULL,
                PRIMARY KEY (device_id, receipt_seq)
            );
            CREATE INDEX meter_signals_model ON meter_signals (model_id, window_end);
            CREATE TABLE extraction_suspects (
                device_id         text PRIMARY KEY,
                state             text NOT NULL,
                score             integer NOT NULL,
                reasons           text NOT NULL,
                model_id          text NOT NULL,
                observed          bigint NOT NULL,
                rate_per_hour     double precision NOT NULL,
                baseline_per_hour double precision NOT NULL,
                fleet_per_hour    double precision NOT NULL,
                low_share         double precision NOT NULL,
                ood_share         double precision NOT NULL,
                dup_share         double precision NOT NULL,
                quota_cut         integer NOT NULL,
                evaluated_at      timestamptz NOT NULL,
                flagged_at        timestamptz NULL,
                cleared_at        timestamptz NULL,
                note              text NOT NULL DEFAULT ''
            );
            """),
        new(
            8,
            "operational telemetry per device and variant, the newest heartbeat's totals",
            """
            CREATE TABLE variant_telemetry (
                device_id           TEXT NOT NULL,
                variant_id          TEXT NOT NULL,
                boot_count          INTEGER NOT NULL,
                heartbeat_seq       INTEGER NOT NULL,
                inferences          INTEGER NOT NULL,
                latency_sum_us      INTEGER NOT NULL,
                latency_max_us      INTEGER NOT NULL,
                latency_histogram   BLOB NOT NULL,
                arena_bytes         INTEGER NOT NULL,
                working_bytes       INTEGER NOT NULL,
                min_free_heap_bytes INTEGER NOT NULL,
                energy_uj           INTEGER NOT NULL,
                updated_at          INTEGER NOT NULL,
                PRIMARY KEY (device_id, variant_id)
            ) WITHOUT ROWID;
            CREATE INDEX variant_telemetry_variant ON variant_telemetry (variant_id);
            """,
            """
            CREATE TABLE variant_telemetry (
                device_id           text NOT NULL,
                variant_id          text NOT NULL,
                boot_count          bigint NOT NULL,
                heartbeat_seq       bigint NOT NULL,
                inferences          bigint NOT NULL,
                latency_sum_us      bigint NOT NULL,
                latency_max_us      bigint NOT NULL,
                latency_histogram   bytea NOT NULL,
                arena_bytes         bigint NOT NULL,
                working_bytes       bigint NOT NULL,
                min_free_heap_bytes bigint NOT NULL,
                energy_uj           bigint NOT NULL,
                updated_at          timestamptz NOT NULL,
                PRIMARY KEY (device_id, variant_id)
            );
            CREATE INDEX variant_telemetry_variant ON variant_telemetry (variant_id);
            """),
        new(
            9,
            "device consent to optional uploads and its history",
            """
            CREATE TABLE device_consent (
                device_id  TEXT NOT NULL,
                category   TEXT NOT NULL,
                setting    TEXT NOT NULL,
                granted    INTEGER NOT NULL,
                hello_seq  INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (device_id, category)
            ) WITHOUT ROWID;
            CREATE TABLE consent_changes (
                change_id   INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id   TEXT NOT NULL,
                at          INTEGER NOT NULL,
                category    TEXT NOT NULL,
                old_setting TEXT NULL,
                old_granted INTEGER NULL,
                new_setting TEXT NOT NULL,
                new_granted INTEGER NOT NULL,
                hello_seq   INTEGER NOT NULL
            );
            CREATE INDEX consent_changes_device ON consent_changes (device_id, change_id);
            """,
            """
            CREATE TABLE device_consent (
                device_id  text NOT NULL,
                category   text NOT NULL,
                setting    text NOT NULL,
                granted    integer NOT NULL,
                hello_seq  bigint NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY (device_id, category)
            );
            CREATE TABLE consent_changes (
                change_id   bigserial PRIMARY KEY,
                device_id   text NOT NULL,
                at          timestamptz NOT NULL,
                category    text NOT NULL,
                old_setting text NULL,
                old_granted integer NULL,
                new_setting text NOT NULL,
                new_granted integer NOT NULL,
                hello_seq   bigint NOT NULL
            );
            CREATE INDEX consent_changes_device ON consent_changes (device_id, change_id);
            """),
        new(
            10,
            "the kernels each device runs (hello's kernels section)",
            "ALTER TABLE devices ADD COLUMN kernel_backend TEXT NOT NULL DEFAULT '';",
            "ALTER TABLE devices ADD COLUMN kernel_backend text NOT NULL DEFAULT '';"),
        new(
            11,
            "API keys with roles and the audit log of every write through the API",
            """
            CREATE TABLE api_keys (
                key_id       TEXT PRIMARY KEY,
                name         TEXT NOT NULL,
                role         TEXT NOT NULL,
                secret_hash  BLOB NOT NULL,
                created_at   INTEGER NOT NULL,
                created_by   TEXT NOT NULL,
                revoked_at   INTEGER NULL,
                revoked_by   TEXT NULL,
                last_used_at INTEGER NULL
            ) WITHOUT ROWID;
            CREATE TABLE audit_log (
                audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
                at       INTEGER NOT NULL,
                actor    TEXT NOT NULL,
                role     TEXT NOT NULL,
                action   TEXT NOT NULL,
                target   TEXT NOT NULL,
                status   INTEGER NOT NULL,
                detail   TEXT NOT NULL,
                remote   TEXT NULL
            );
            """,
            """
            CREATE TABLE api_keys (
                key_id       text PRIMARY KEY,
                name         text NOT NULL,
                role         text NOT NULL,
                secret_hash  bytea NOT NULL,
                created_at   timestamptz NOT NULL,
                created_by   text NOT NULL,
                revoked_at   timestamptz NULL,
                revoked_by   text NULL,
                last_used_at timestamptz NULL
            );
            CREATE TABLE audit_log (
                audit_id bigserial PRIMARY KEY,
                at       timestamptz NOT NULL,
                actor    text NOT NULL,
                role     text NOT NULL,
                action   text NOT NULL,
                target   text NOT NULL,
                status   integer NOT NULL,
                detail   text NOT NULL,
                remote   text NULL
            );
            """),
        new(
            12,
            "outbound webhooks: subscriptions, the event outbox, deliveries and their attempts",
            """
            CREATE TABLE webhook_subscriptions (
                subscription_id INTEGER PRIMARY KEY AUTOINCREMENT,
                url             TEXT NOT NULL,
                events          TEXT NOT NULL,
                sealed_secret   BLOB NOT NULL,
                created_at      INTEGER NOT NULL
            );
            CREATE TABLE webhook_events (
                event_id  TEXT PRIMARY KEY,
                event_key TEXT NOT NULL UNIQUE,
                type      TEXT NOT NULL,
                at        INTEGER NOT NULL,
                payload   TEXT NOT NULL
            );
            CREATE TABLE webhook_deliveries (
                delivery_id     TEXT PRIMARY KEY,
                event_id        TEXT NOT NULL,
                subscription_id INTEGER NOT NULL,
                state           TEXT NOT NULL,
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                lease_owner     TEXT NULL,
                lease_until     INTEGER NULL,
                last_status     INTEGER NULL,
                last_error      TEXT NOT NULL DEFAULT '',
                created_at      INTEGER NOT NULL,
                finished_at     INTEGER NULL
            );
            CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
            CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);
            CREATE TABLE webhook_attempts (
                attempt_id  INTEGER PRIMARY KEY AUTOINCREMENT,
                delivery_id TEXT NOT NULL,
                attempt     INTEGER NOT NULL,
                at          INTEGER NOT NULL,
                status_code INTEGER NULL,
                error       TEXT NOT NULL,
                duration_ms INTEGER NOT NULL
            );
            CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
            """,
            """
            CREATE TABLE webhook_subscriptions (
                subscription_id bigserial PRIMARY KEY,
                url             text NOT NULL,
                events          text NOT NULL,
                sealed_secret   bytea NOT NULL,
                created_at      timestamptz NOT NULL
            );
            CREATE TABLE webhook_events (
                event_id  text PRIMARY KEY,
                event_key text NOT NULL UNIQUE,
                type      text NOT NULL,
                at        timestamptz NOT NULL,
                payload   text NOT NULL
            );
            CREATE TABLE webhook_deliveries (
                delivery_id     text PRIMARY KEY,
                event_id        text NOT NULL,
                subscription_id bigint NOT NULL,
                state           text NOT NULL,
                attempts        integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz NOT NULL,
                lease_owner     text NULL,
                lease_until     timestamptz NULL,
                last_status     integer NULL,
                last_error      text NOT NULL DEFAULT '',
                created_at      timestamptz NOT NULL,
                finished_at     timestamptz NULL
            );
            CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
            CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);
            CREATE TABLE webhook_attempts (
                attempt_id  bigserial PRIMARY KEY,
                delivery_id text NOT NULL,
                attempt     integer NOT NULL,
                at          timestamptz NOT NULL,
                status_code integer NULL,
                error       text NOT NULL,
                duration_ms bigint NOT NULL
            );
            CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
            """),
    ];

    /// <summary>The newest schema version this code knows.</summary>
    public static int LatestVersion => All[^1].Version;
}
