"""Settings: built-in defaults < kairos.toml < KAIROS_* environment, and a one-line refusal
naming the key for anything wrong."""

from __future__ import annotations

import stat

import pytest

from app.config import FILE_SECRETS, SECRET_KEYS, ConfigError, load_settings

SECRET = "s" * 40


@pytest.fixture
def var(tmp_path):
    return tmp_path / "var"


@pytest.fixture
def load(tmp_path, var):
    """load_settings with var/ under tmp_path and, unless a toml text is given, no kairos.toml."""

    def _load(toml: str | None = None, **env: str):
        path = tmp_path / "kairos.toml"
        if toml is not None:
            path.write_text(toml)
        environ = {"KAIROS_VAR_DIR": str(var), **env}
        return load_settings(environ=environ, toml_path=str(path))

    return _load


def refusal(load, toml=None, **env) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(toml, **env)
    return info.value


# --- defaults ---------------------------------------------------------------------------------


def test_defaults_bind_the_api_and_flower_to_loopback_in_development(load):
    settings = load()
    assert settings.env == "development"
    assert settings.bind == "127.0.0.1:3001"
    assert settings.flower_bind == "127.0.0.1:5555"
    assert settings.bind_is_loopback
    assert settings.auth == "jwt"
    assert settings.web_workers == 2
    assert settings.cors_origins == ()
    assert settings.redis_url == ""


def test_the_default_database_is_sqlite_under_var(load, var):
    assert load().database_url == f"sqlite:///{var.resolve() / 'kairos.db'}"


def test_no_kairos_toml_and_an_empty_environment_is_a_valid_configuration(load):
    assert load().log_level == "INFO"


# --- layering ---------------------------------------------------------------------------------


def test_kairos_toml_overrides_the_defaults(load):
    settings = load('bind = "127.0.0.1:4000"\nweb_workers = 4\nlog_level = "DEBUG"\n')
    assert settings.bind == "127.0.0.1:4000"
    assert settings.web_workers == 4
    assert settings.log_level == "DEBUG"


def test_the_environment_overrides_kairos_toml(load):
    settings = load('bind = "127.0.0.1:4000"\nweb_workers = 4\n', KAIROS_WEB_WORKERS="8")
    assert settings.web_workers == 8
    assert settings.bind == "127.0.0.1:4000"


def test_kairos_config_names_the_toml_file_when_no_path_is_given(tmp_path, var):
    path = tmp_path / "elsewhere.toml"
    path.write_text("worker_concurrency = 7\n")
    environ = {"KAIROS_VAR_DIR": str(var), "KAIROS_CONFIG": str(path)}
    assert load_settings(environ=environ).worker_concurrency == 7


def test_cors_origins_come_as_a_toml_list_or_a_comma_separated_variable(load):
    from_toml = load('cors_origins = ["https://a.example", "http://localhost:3000"]\n')
    from_env = load(KAIROS_CORS_ORIGINS="https://a.example, http://localhost:3000")
    expected = ("https://a.example", "http://localhost:3000")
    assert from_toml.cors_origins == expected
    assert from_env.cors_origins == expected


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"KAIROS_BIND": "nope"}, "bind"),
        ({"KAIROS_BIND": "127.0.0.1:99999"}, "bind"),
        ({"KAIROS_FLOWER_BIND": "5555"}, "flower_bind"),
        ({"KAIROS_WEB_WORKERS": "two"}, "web_workers"),
        ({"KAIROS_WEB_WORKERS": "0"}, "web_workers"),
        ({"KAIROS_ACCESS_TOKEN_TTL": "-1"}, "access_token_ttl"),
        ({"KAIROS_AUTH": "maybe"}, "auth"),
        ({"KAIROS_ENV": "staging"}, "env"),
        ({"KAIROS_LOG_LEVEL": "LOUD"}, "log_level"),
        ({"KAIROS_AUTH": "none", "KAIROS_BIND": "0.0.0.0:3001"}, "auth"),
        ({"KAIROS_FLOWER_BASIC_AUTH": "no-colon"}, "flower_basic_auth"),
        ({"KAIROS_SECRET_KEY": "too-short"}, "secret_key"),
        ({"KAIROS_JANITOR_INTERVAL": "0"}, "janitor_interval"),
        ({"KAIROS_BEAT_STANDBY_INTERVAL": "0.5"}, "beat_standby_interval"),
        ({"KAIROS_BEAT_LOCK_TTL": "2"}, "beat_lock_ttl"),
    ],
)
def test_a_wrong_value_is_refused_in_one_line_naming_the_key(load, env, key):
    error = refusal(load, **env)
    assert isinstance(error, SystemExit)
    assert error.key == key
    message = str(error)
    assert "\n" not in message
    assert f": {key}: " in message


def test_beat_and_janitor_intervals_default_to_production_and_are_settings(load):
    settings = load()
    assert (settings.janitor_interval, settings.beat_standby_interval) == (60, 5)
    assert settings.beat_lock_ttl == 30
    fast = load(KAIROS_JANITOR_INTERVAL="2", KAIROS_BEAT_STANDBY_INTERVAL="1")
    assert (fast.janitor_interval, fast.beat_standby_interval) == (2, 1)


def test_a_wrong_value_in_kairos_toml_is_refused_too(load):
    error = refusal(load, 'web_workers = "two"\n')
    assert error.key == "web_workers"


@pytest.mark.parametrize("bind", ["127.0.0.1:3001", "localhost:3001", "[::1]:3001"])
def test_auth_none_is_allowed_on_a_loopback_bind(load, bind):
    assert load(KAIROS_AUTH="none", KAIROS_BIND=bind).auth == "none"


@pytest.mark.parametrize("key", [k for k in SECRET_KEYS if k not in FILE_SECRETS])
def test_a_secret_in_kairos_toml_is_refused(load, key):
    error = refusal(load, f'{key} = "{SECRET}"\n')
    assert error.key == key
    assert f"KAIROS_{key.upper()}" in str(error)


def test_an_unknown_key_in_kairos_toml_is_refused(load):
    error = refusal(load, 'colour = "blue"\n')
    assert error.key == "colour"
    assert "unknown" in str(error)


def test_a_kairos_toml_that_is_not_toml_is_refused(load):
    assert "not valid TOML" in str(refusal(load, "bind = \n"))


@pytest.mark.parametrize(
    "origin", ["example.com", "https://example.com/", "https://example.com/app", "*"]
)
def test_a_bad_cors_origin_is_refused(load, origin):
    assert refusal(load, f'cors_origins = ["{origin}"]\n').key == "cors_origins"
    assert refusal(load, KAIROS_CORS_ORIGINS=origin).key == "cors_origins"


def test_a_good_cors_origin_is_kept(load):
    assert load(KAIROS_CORS_ORIGINS="https://example.com").cors_origins == ("https://example.com",)


# --- secrets ----------------------------------------------------------------------------------


def test_in_development_a_secret_is_generated_once_under_var_and_reused(load, var):
    first = load().secret_key
    assert len(first) >= 32
    path = var / "secret_key"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load().secret_key == first


def test_the_generated_secret_is_random_not_a_constant(tmp_path):
    secrets = {
        load_settings(
            environ={"KAIROS_VAR_DIR": str(tmp_path / name)},
            toml_path=str(tmp_path / "absent.toml"),
        ).secret_key
        for name in ("a", "b")
    }
    assert len(secrets) == 2


def test_a_secret_from_the_environment_is_used_and_nothing_is_written(load, var):
    assert load(KAIROS_SECRET_KEY=SECRET).secret_key == SECRET
    assert not (var / "secret_key").exists()


def test_production_without_a_secret_key_refuses_to_start(load, var):
    error = refusal(load, KAIROS_ENV="production")
    assert error.key == "secret_key"
    assert "KAIROS_SECRET_KEY" in str(error)
    assert not (var / "secret_key").exists()


def test_production_with_a_secret_key_starts(load):
    settings = load(KAIROS_ENV="production", KAIROS_SECRET_KEY=SECRET)
    assert not settings.is_development
    assert settings.secret_key == SECRET


def test_secrets_are_kept_out_of_the_settings_repr(load):
    settings = load(KAIROS_SECRET_KEY=SECRET, KAIROS_FLOWER_BASIC_AUTH="admin:hunter2hunter2")
    assert SECRET not in repr(settings)
    assert "hunter2" not in repr(settings)


def test_seed_000s_api_table_sets_bind_auth_and_the_static_key(load):
    settings = load(
        toml='[api]\nbind = "127.0.0.1:3005"\nauth = "none"\napi_key = "' + SECRET + '"\n'
    )
    assert (settings.bind, settings.auth, settings.api_key) == ("127.0.0.1:3005", "none", SECRET)
    assert SECRET not in repr(settings)


def test_the_static_key_also_comes_from_the_environment(load):
    assert load(KAIROS_API_KEY=SECRET).api_key == SECRET


@pytest.mark.parametrize(
    ("toml", "key"),
    [('[api]\njwt_secret = "x"\n', "api.jwt_secret"), ('api_key = "short"\n', "api_key")],
)
def test_a_bad_api_table_or_a_short_static_key_is_refused(load, toml, key):
    assert refusal(load, toml).key == key
