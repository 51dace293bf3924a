"""The app as an LLM client sees it: the `mcp` library's client against `python app.py`'s MCP server."""

import ast
import asyncio
import base64
import concurrent.futures

import cv2
import numpy as np
import pytest
from conftest import ROOT
from gradio_client import Client, handle_file
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from strokes import draw, draw_number

TOOLS = {"classify": "upload", "read_number": "image"}  # the README's tools and their one argument


def mcp_url(server):
    return server + "gradio_api/mcp/"  # Gradio 6's streamable HTTP endpoint (the README's URL shape)


async def mcp_session(server, work):
    async with streamable_http_client(mcp_url(server)) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        return await work(session)


def run_session(server, work):
    """One MCP session, in a thread of its own: Playwright's sync API, used by other tests in the same run,
    keeps an event loop running in the main thread, where asyncio.run refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, mcp_session(server, work)).result()


def list_tools(server):
    async def work(session):
        return (await session.list_tools()).tools

    return run_session(server, work)


def call_tools(server, calls):
    """[(tool, image bytes)] -> each tool's answer, as the text it returns, in one MCP session."""

    async def work(session):
        answers = []
        for tool, image in calls:
            data_url = "data:image/png;base64," + base64.b64encode(image).decode()  # Gradio takes one as a file
            result = await session.call_tool(tool, {TOOLS[tool]: data_url})
            assert not result.isError, result.content
            answers.append(ast.literal_eval(result.content[0].text))  # Gradio sends the endpoint's value as its repr
        return answers

    return run_session(server, work)


def docstrings():
    """app.py's functions' docstrings, read from its source (importing it would load the model here too)."""
    tree = ast.parse((ROOT / "app.py").read_text())
    return {node.name: ast.get_docstring(node) for node in tree.body if isinstance(node, ast.FunctionDef)}


def png(rgba):
    return cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))[1].tobytes()


def test_the_tools_are_exactly_the_documented_ones_described_by_their_docstrings(server):
    tools = {tool.name: tool for tool in list_tools(server)}
    assert set(tools) == set(TOOLS)  # no private endpoint, no /read_drawing, no feedback click
    documented = docstrings()
    for name, argument in TOOLS.items():
        first_paragraph = " ".join(documented[name].split("\n\n")[0].split())
        assert tools[name].description.startswith(first_paragraph)
        assert list(tools[name].inputSchema["properties"]) == [argument]


@pytest.fixture(scope="module")
def client(server):
    return Client(server, verbose=False)


def test_the_tools_answer_as_the_api_does(server, client, tmp_path):
    images = {"a 4": png(draw(4)), "a 9": png(draw(9)), "blank": png(np.zeros((600, 600, 4), np.uint8)),
              "2026": png(draw_number("2026"))}
    calls = [("classify", images["a 4"]), ("classify", images["a 9"]), ("classify", images["blank"]),
             ("read_number", images["2026"])]
    answers = call_tools(server, calls)
    for (tool, image), answer in zip(calls, answers, strict=True):
        path = tmp_path / "image.png"
        path.write_bytes(image)
        expected = client.predict(handle_file(str(path)), api_name=f"/{tool}")
        if tool == "classify":
            assert answer == (expected or {})  # the Label; {} for the blank canvas
        else:
            number, digits, *_ = answer
            assert (number, digits) == expected[:2] and number == "2026"
    assert [a["label"] for a in answers[:2]] == ["4", "9"]


def test_the_tools_say_when_an_image_is_not_a_digit(server):
    star, number = call_tools(server, [("classify", png(draw("star"))),
                                       ("read_number", png(draw_number("1*4", pitch=0.7)))])
    assert star["label"] == "not a digit"
    assert number[0] == "1?4" and number[1][1]["label"] == "not a digit"
