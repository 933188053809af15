"""CFL105 blocking-database: sqlite3 / psycopg2-style drivers / sync redis in async code."""

import asyncio
import sqlite3

import aiosqlite
import asyncpg
import psycopg2
import redis

DB_PATH = "app.db"


async def get_user(user_id: int):
    conn = sqlite3.connect(DB_PATH)  # expect: CFL105
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE id = ?", (user_id,))  # expect: CFL105
    return cur.fetchone()  # expect: CFL105


async def count_orders() -> int:
    with sqlite3.connect(DB_PATH) as conn:  # expect: CFL105
        return conn.execute("SELECT count(*) FROM orders").fetchone()[0]  # expect: CFL105


class Repo:
    def __init__(self, dsn: str) -> None:
        self.conn = psycopg2.connect(dsn)
        self.cache = redis.Redis(host="localhost")

    async def save(self, item: dict) -> None:
        with self.conn.cursor() as cur:
            cur.execute("INSERT INTO items VALUES (%s)", (item["id"],))  # expect: CFL105
        self.conn.commit()  # expect: CFL105

    async def cached(self, key: str):
        return self.cache.get(key)  # expect: CFL105


async def report(dsn: str) -> list:
    conn = psycopg2.connect(dsn)  # expect: CFL105
    cur = conn.cursor()
    cur.execute("SELECT 1")  # expect: CFL105
    return cur.fetchall()  # expect: CFL105


# ---- hard negatives -------------------------------------------------------------------


async def async_sqlite(user_id: int):
    async with aiosqlite.connect(DB_PATH) as db:
        async with db.execute("SELECT * FROM users WHERE id = ?", (user_id,)) as cur:
            return await cur.fetchone()


async def asyncpg_query(pool: asyncpg.Pool, user_id: int):
    async with pool.acquire() as conn:
        return await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)


def sync_migration() -> None:
    conn = sqlite3.connect(DB_PATH)
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER)")
    conn.commit()


async def offloaded_query(user_id: int):
    def _query():
        with sqlite3.connect(DB_PATH) as conn:
            return conn.execute("SELECT 1").fetchone()

    return await asyncio.to_thread(_query)


async def unknown_cursor(cursor) -> None:
    await cursor.execute("SELECT 1")


class UserStore:
    def __init__(self, uri: str) -> None:
        import pymongo

        self.db = pymongo.MongoClient(uri)["app"]

    async def find(self, user_id: str):
        return self.db.users.find_one({"_id": user_id})  # expect: CFL105
