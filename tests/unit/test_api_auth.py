"""Who gets in: IAP's signed header verified against keys made here (no network), roles from
the role map, the local bearer token, and what each role sees."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.fakes.analyst_reads import USERNAME, one_tweet_warehouse, reads_over
from tests.fakes.iap_tokens import AUDIENCE, SigningKey
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.api.access import RoleMap
from trendwatch.api.app import create_app, gate_from_settings
from trendwatch.api.iap import IAP_HEADER, GoogleIapKeys, IapVerifier, InvalidIapToken
from trendwatch.api.models import Influencer, Page
from trendwatch.api.personal import withhold_personal
from trendwatch.api.read import AnalystReads
from trendwatch.app.enrich_image import MEDIA_PREFIX
from trendwatch.cli import main
from trendwatch.settings import Settings

ROLES = '{"dana@shop.example": "data_scientist", "@shop.example": "analyst"}'


@pytest.fixture(scope="module")
def iap_key() -> SigningKey:
    return SigningKey("iap-key-1")


@pytest.fixture
def verifier(iap_key: SigningKey) -> IapVerifier:
    return IapVerifier(AUDIENCE, {iap_key.key_id: iap_key.public_pem}.get)


def test_a_token_iap_signed_for_this_service_names_its_user(
    iap_key: SigningKey, verifier: IapVerifier
) -> None:
    identity = verifier.verify(iap_key.token(email="Dana@Shop.example"))
    assert (identity.email, identity.subject) == ("dana@shop.example", "accounts.google.com:1001")


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "/projects/123456789/global/backendServices/1"}, "wrong audience"),
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "expired"),
        ({"iss": "https://accounts.google.com"}, "not issued by IAP"),
        ({"email": ""}, "names no user"),
    ],
)
def test_tokens_for_another_service_expired_or_not_from_iap_are_refused(
    iap_key: SigningKey, verifier: IapVerifier, claims: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidIapToken, match=reason):
        verifier.verify(iap_key.token(**claims))


def test_a_token_signed_with_another_key_under_a_known_key_id_is_refused(
    iap_key: SigningKey, verifier: IapVerifier
) -> None:
    forger = SigningKey(iap_key.key_id)
    with pytest.raises(InvalidIapToken, match="signature"):
        verifier.verify(forger.token())


def test_a_token_with_a_tampered_payload_is_refused(iap_key: SigningKey, verifier: IapVerifier) -> None:
    header, _, signature = iap_key.token().split(".")
    _, payload, _ = iap_key.token(email="boss@shop.example").split(".")
    with pytest.raises(InvalidIapToken, match="signature"):
        verifier.verify(f"{header}.{payload}.{signature}")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "no x-goog-iap-jwt-assertion header"),
        ("", "no x-goog-iap-jwt-assertion header"),
        ("not a token", "not a JWT"),
        # {"alg":"none","kid":"iap-key-1"}: an unsigned token.
        ("eyJhbGciOiJub25lIiwia2lkIjoiaWFwLWtleS0xIn0.e30.", "not signed with ES256"),
        # {"alg":"HS256","kid":"iap-key-1"}: a MAC keyed with the public key.
        ("eyJhbGciOiJIUzI1NiIsImtpZCI6ImlhcC1rZXktMSJ9.e30.c2ln", "not signed with ES256"),
    ],
)
def test_missing_malformed_or_unsigned_tokens_are_refused(
    verifier: IapVerifier, token: str | None, reason: str
) -> None:
    with pytest.raises(InvalidIapToken, match=reason):
        verifier.verify(token)


def test_a_token_naming_an_unknown_key_is_refused(verifier: IapVerifier) -> None:
    with pytest.raises(InvalidIapToken, match="unknown key"):
        verifier.verify(SigningKey("iap-key-2").token())


def test_googles_keys_are_fetched_once_then_again_when_stale_or_rotated() -> None:
    fetched: list[str] = []
    now = [0.0]
    published = {"k1": "PEM 1"}

    def fetch(url: str) -> dict[str, str]:
        fetched.append(url)
        return dict(published)

    keys = GoogleIapKeys("https://keys.example/iap", fetch=fetch, clock=lambda: now[0])

    assert [keys("k1"), keys("k1"), keys("k2")] == ["PEM 1", "PEM 1", None]
    assert len(fetched) == 1  # an unknown key id within a minute of a fetch does not refetch
    published["k2"] = "PEM 2"
    now[0] = 61.0
    assert keys("k2") == "PEM 2" and len(fetched) == 2  # rotated in
    now[0] = 61.0 + 3600
    assert keys("k1") == "PEM 1" and len(fetched) == 3  # stale


# -- through the application ---------------------------------------------------------------


@pytest.fixture
def reads(tmp_path: Path) -> Iterator[AnalystReads]:
    warehouse = one_tweet_warehouse(tmp_path / "warehouse.duckdb")
    yield reads_over(warehouse)
    warehouse.close()


@pytest.fixture
def production(reads: AnalystReads, iap_key: SigningKey) -> TestClient:
    settings = Settings.from_env({"TRENDWATCH_IAP_AUDIENCE": AUDIENCE, "TRENDWATCH_API_ROLES": ROLES})
    gate = gate_from_settings(settings, {iap_key.key_id: iap_key.public_pem}.get)
    return TestClient(create_app(reads, gate))


def _search(client: TestClient, headers: dict[str, str] | None = None) -> Any:
    return client.get("/api/v1/tweets/search", params={"q": "lampe"}, headers=headers)


def test_behind_iap_a_request_without_the_header_is_a_401_on_every_page(production: TestClient) -> None:
    for path in ("/api/v1/tweets/search?q=lampe", "/", "/openapi.json", "/docs", "/static/dashboard.css"):
        answer = production.get(path)
        assert answer.status_code == 401, path
        assert answer.json() == {"detail": f"no {IAP_HEADER} header: requests must come through IAP"}
    assert production.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("claims", "status"),
    [
        ({"aud": "/projects/1/global/backendServices/2"}, 401),
        ({"exp": int(time.time()) - 60, "iat": int(time.time()) - 600}, 401),
        ({"email": "someone@elsewhere.example"}, 403),
    ],
)
def test_behind_iap_a_bad_token_is_a_401_and_a_user_without_a_role_a_403(
    production: TestClient, iap_key: SigningKey, claims: dict[str, Any], status: int
) -> None:
    answer = _search(production, {IAP_HEADER: iap_key.token(**claims)})
    assert answer.status_code == status
    assert USERNAME not in answer.text


def test_when_googles_keys_cannot_be_fetched_requests_are_a_503_not_admitted(
    reads: AnalystReads, iap_key: SigningKey
) -> None:
    def unreachable(url: str) -> dict[str, str]:
        raise OSError("network is unreachable")

    settings = Settings.from_env({"TRENDWATCH_IAP_AUDIENCE": AUDIENCE, "TRENDWATCH_API_ROLES": ROLES})
    client = TestClient(create_app(reads, gate_from_settings(settings, GoogleIapKeys(fetch=unreachable))))

    answer = _search(client, {IAP_HEADER: iap_key.token()})

    assert answer.status_code == 503
    assert answer.json() == {"detail": "IAP's public keys are unavailable (OSError)"}


def test_analysts_get_tweets_without_user_names_data_scientists_with(
    production: TestClient, iap_key: SigningKey
) -> None:
    analyst = _search(production, {IAP_HEADER: iap_key.token(email="ana@shop.example")})
    scientist = _search(production, {IAP_HEADER: iap_key.token(email="dana@shop.example")})

    assert analyst.status_code == scientist.status_code == 200
    [seen_by_analyst] = analyst.json()["items"]
    [seen_by_scientist] = scientist.json()["items"]
    assert seen_by_scientist["username"] == USERNAME
    assert seen_by_analyst == seen_by_scientist | {"username": None}


def test_analysts_pages_of_the_dashboard_hold_no_user_names(
    production: TestClient, iap_key: SigningKey
) -> None:
    def page(email: str) -> str:
        answer = production.get(
            "/search", params={"q": "lampe"}, headers={IAP_HEADER: iap_key.token(email=email)}
        )
        assert answer.status_code == 200
        return answer.text

    assert USERNAME in page("dana@shop.example")
    assert USERNAME not in page("ana@shop.example")


def test_personal_fields_are_withheld_however_deeply_nested() -> None:
    person = Influencer(
        user_id="7", username="lampfan", score=1.0, rank=1, topic_id=None, followers=3, evidence={}
    )
    page = Page[Influencer](items=[person], total=1, limit=1, offset=0)

    [withheld] = withhold_personal([{"page": page}])

    assert withheld["page"].items[0].model_dump() == person.model_dump() | {"username": None}
    assert person.username == "lampfan"  # the original is left as it was


# -- locally and at start-up ---------------------------------------------------------------


def test_locally_a_set_token_is_required_as_a_bearer_token(reads: AnalystReads) -> None:
    gate = gate_from_settings(Settings.from_env({"TRENDWATCH_API_TOKEN": "s3cret"}))
    client = TestClient(create_app(reads, gate))

    refused = _search(client)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic ")
    for wrong in ("Bearer wrong", "Bearer s3cre", "Basic " + _basic("me:wrong"), "Basic !!", "s3cret"):
        assert _search(client, {"Authorization": wrong}).status_code == 401, wrong
    answer = _search(client, {"Authorization": "Bearer s3cret"})
    assert answer.status_code == 200 and answer.json()["items"][0]["username"] == USERNAME
    assert _search(client, {"Authorization": "Basic " + _basic("me:s3cret")}).status_code == 200


def _basic(credentials: str) -> str:
    return base64.b64encode(credentials.encode()).decode()


def test_locally_without_a_token_the_loopback_user_is_the_administrator(reads: AnalystReads) -> None:
    client = TestClient(create_app(reads, gate_from_settings(Settings.from_env({}))))
    assert _search(client).json()["items"][0]["username"] == USERNAME


def test_a_cloud_environment_without_an_iap_audience_does_not_start() -> None:
    with pytest.raises(ValueError, match="must sit behind IAP"):
        gate_from_settings(Settings.from_env({"TRENDWATCH_ENV": "prod", "TRENDWATCH_API_TOKEN": "x"}))


@pytest.mark.parametrize("roles", ['{"ana@shop.example": "superuser"}', "[1]", "{"])
def test_a_malformed_role_map_does_not_start(roles: str) -> None:
    with pytest.raises(ValueError, match="TRENDWATCH_API_ROLES"):
        RoleMap.from_json(roles)


def test_a_whole_address_wins_over_its_domain() -> None:
    roles = RoleMap.from_json(ROLES)
    assert [roles.role_of(e) for e in ("DANA@shop.example", "ana@shop.example", "ana@other.example")] == [
        "data_scientist",
        "analyst",
        None,
    ]


def test_images_may_be_kept_by_the_viewers_browser_alone(tmp_path: Path) -> None:
    lake = LocalBlobStore(tmp_path / "lake")
    lake.write(f"{MEDIA_PREFIX}3_1.png", b"\x89PNG", "image/png")
    warehouse = one_tweet_warehouse(tmp_path / "warehouse.duckdb")

    image = TestClient(create_app(reads_over(warehouse, lake))).get("/api/v1/media/3_1")

    assert image.status_code == 200 and image.headers["Cache-Control"] == "private, max-age=86400"
    warehouse.close()


def test_serve_beyond_loopback_needs_a_token_or_iap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = ["--state", str(tmp_path / "state"), "--port", "0"]
    monkeypatch.delenv("TRENDWATCH_API_TOKEN", raising=False)
    monkeypatch.delenv("TRENDWATCH_IAP_AUDIENCE", raising=False)

    exposed = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", *state])
    monkeypatch.setenv("TRENDWATCH_API_TOKEN", "s3cret")
    with_token = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", *state])

    assert exposed.exit_code == 1 and "0.0.0.0 is reachable from other machines" in exposed.output
    assert with_token.exit_code == 1 and "no warehouse at" in with_token.output  # past the check
