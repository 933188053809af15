"""CFL102 blocking-http: requests/urllib/http.client/httpx.Client/sockets in async code."""

import asyncio
import http.client
import socket
import urllib.request
from urllib.request import urlopen

import httpx
import requests
import requests as rq
from fastapi import FastAPI

app = FastAPI()
SESSION = requests.Session()


@app.get("/weather/{city}")
async def weather(city: str):
    resp = requests.get(f"https://api.example.com/weather/{city}", timeout=5)  # expect: CFL102
    return resp.json()


@app.post("/hooks")
async def forward_hook(payload: dict):
    rq.post("https://hooks.example.com", json=payload)  # expect: CFL102
    return {"ok": True}


async def fetch_legacy(url: str) -> bytes:
    with urllib.request.urlopen(url) as fh:  # expect: CFL102
        return fh.read()


async def fetch_legacy_alias(url: str) -> bytes:
    return urlopen(url).read()  # expect: CFL102


async def module_session(url: str):
    return SESSION.get(url)  # expect: CFL102


class BillingClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.http = httpx.Client(base_url=base_url)

    async def invoice(self, invoice_id: str) -> dict:
        r = self.session.get(f"{self.base_url}/invoices/{invoice_id}")  # expect: CFL102
        return r.json()

    async def refund(self, invoice_id: str) -> dict:
        return self.http.post(f"/invoices/{invoice_id}/refund").json()  # expect: CFL102


async def sync_httpx_local(url: str) -> int:
    with httpx.Client() as client:  # expect: CFL501
        r = client.get(url)  # expect: CFL102
    return r.status_code


async def annotated_client(client: httpx.Client, url: str) -> int:
    return client.get(url).status_code  # expect: CFL102


async def raw_http(host: str) -> bytes:
    conn = http.client.HTTPSConnection(host)
    conn.request("GET", "/")  # expect: CFL102
    return conn.getresponse().read()  # expect: CFL102


async def raw_socket(host: str, port: int) -> bytes:
    sock = socket.create_connection((host, port))  # expect: CFL102
    sock.sendall(b"PING\r\n")  # expect: CFL102
    return sock.recv(1024)  # expect: CFL102


async def httpx_module_function(url: str) -> str:
    return httpx.get(url).text  # expect: CFL102


# ---- hard negatives -------------------------------------------------------------------


async def async_client(url: str) -> dict:
    async with httpx.AsyncClient() as client:  # expect: CFL501
        r = await client.get(url)
        return r.json()


async def aiohttp_get(session, url: str) -> str:
    async with session.get(url) as resp:
        return await resp.text()


async def offloaded(url: str):
    return await asyncio.to_thread(requests.get, url, timeout=5)


async def offloaded_lambda(url: str):
    return await asyncio.to_thread(lambda: requests.get(url).json())


def sync_helper(url: str) -> dict:
    return requests.get(url).json()


async def calls_sync_helper_in_thread(url: str) -> dict:
    return await asyncio.to_thread(sync_helper, url)


async def loop_socket_api(loop, sock):
    data = await loop.sock_recv(sock, 1024)
    await loop.sock_sendall(sock, data)


async def dict_get(params: dict) -> str:
    return params.get("q", "")


async def unrelated_session(db_session, user_id: int):
    return await db_session.get(user_id)


async def build_request(url: str):
    # Building a request object does no I/O.
    return requests.Request("GET", url).prepare()


async def create_session_only() -> None:
    session = requests.Session()
    await asyncio.to_thread(session.get, "https://example.com")


def _fetch_rates(base: str) -> dict:
    return requests.get(f"{base}/rates", timeout=5).json()


@app.get("/rates")
async def rates():
    return _fetch_rates("https://fx.example")  # expect: CFL102


@app.get("/rates-offloaded")
async def rates_offloaded():
    return await asyncio.to_thread(_fetch_rates, "https://fx.example")


class Gateway:
    def _post(self, path: str, body: dict) -> dict:
        return requests.post(path, json=body).json()

    async def charge(self, body: dict) -> dict:
        return self._post("/charge", body)  # expect: CFL102

    async def refund(self, body: dict) -> dict:
        return await asyncio.to_thread(self._post, "/refund", body)


async def s3_download(key: str) -> bytes:
    import boto3

    s3 = boto3.client("s3")
    url = s3.generate_presigned_url("get_object", Params={"Key": key})
    return s3.get_object(Bucket="b", Key=key)["Body"].read()  # expect: CFL102
