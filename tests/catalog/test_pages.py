import pytest
from django.urls import reverse

from tests.factories import PatternFactory, SectionFactory, TrackFactory

pytestmark = pytest.mark.django_db


def make_catalog(patterns: int):
    track = TrackFactory(title="Prompt Engineering", summary="Tracks summary")
    sections = [SectionFactory(track=track, order=i) for i in range(3)]
    return [
        PatternFactory(section=sections[i % 3], position=i + 1, summary=f"Summary {i}")
        for i in range(patterns)
    ]


class TestHome:
    def test_it_lists_tracks_sections_and_patterns_with_summaries(self, client):
        patterns = make_catalog(3)
        retired = PatternFactory(section=patterns[0].section, title="Old pattern", position=9)
        retired.retired_at = retired.updated_at
        retired.save()
        response = client.get("/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "Prompt Engineering" in page
        for pattern in patterns:
            assert pattern.title in page
            assert pattern.summary in page
            assert pattern.section.title in page
        assert "Old pattern" not in page

    @pytest.mark.parametrize("count", [3, 300])
    def test_it_takes_one_query_however_large_the_catalog(
        self, client, count, django_assert_num_queries
    ):
        make_catalog(count)
        # 1. active patterns joined to their section and track
        with django_assert_num_queries(1):
            response = client.get("/")
        assert response.content.decode().count('class="pattern-card"') == count


class TestPatternPage:
    def test_it_shows_the_lesson_with_breadcrumbs_and_contents(self, client):
        first, second, third = make_catalog(3)
        page = client.get(second.get_absolute_url()).content.decode()
        assert "Lesson text." in page
        assert 'href="#intro"' in page  # table of contents
        assert 'aria-label="Breadcrumb"' in page
        assert second.section.title in page and second.section.track.title in page
        assert f'href="{first.get_absolute_url()}" rel="prev"' in page
        assert f'href="{third.get_absolute_url()}" rel="next"' in page
        assert "Test this pattern" in page

    def test_the_first_pattern_has_no_previous(self, client):
        first, second, _ = make_catalog(3)
        page = client.get(first.get_absolute_url()).content.decode()
        assert 'rel="prev"' not in page
        assert f'href="{second.get_absolute_url()}" rel="next"' in page

    @pytest.mark.parametrize("count", [3, 300])
    def test_it_takes_two_queries_however_large_the_catalog(
        self, client, count, django_assert_num_queries
    ):
        patterns = make_catalog(count)
        # 1. the pattern with its section and track
        # 2. its previous and next neighbours
        with django_assert_num_queries(2):
            response = client.get(patterns[count // 2].get_absolute_url())
        assert response.status_code == 200

    def test_an_unknown_slug_gets_a_styled_404(self, client):
        make_catalog(1)
        response = client.get(reverse("catalog:pattern", args=["no-such-pattern"]))
        assert response.status_code == 404
        assert "We could not find that page" in response.content.decode()
        assert "Browse the catalog" in response.content.decode()

    def test_a_retired_pattern_is_not_found(self, client):
        (pattern,) = make_catalog(1)
        pattern.retired_at = pattern.updated_at
        pattern.save()
        assert client.get(pattern.get_absolute_url()).status_code == 404


def test_pages_send_a_csp_without_inline_script(client):
    make_catalog(1)
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in policy
    assert "'nonce-" in script_src
    nonce = script_src.split("'nonce-")[1].split("'")[0]
    page = response.content.decode()
    # Every script tag is an external, nonced file: no inline code.
    assert page.count("<script") == page.count(f'nonce="{nonce}"') >= 1
    assert "<script>" not in page


class TestLessonPageForNewVisitors:
    """A first visit (no cookies) is served from a page rendered once per pattern."""

    def csp_nonce(self, response) -> str:
        policy = response.headers["Content-Security-Policy"]
        return policy.split("'nonce-")[1].split("'")[0]

    def test_each_visitor_gets_their_own_csrf_token_and_nonce(self, client, settings):
        (pattern,) = make_catalog(1)
        pages = []
        for _ in range(2):
            client.cookies.clear()
            response = client.get(pattern.get_absolute_url())
            page = response.content.decode()
            nonce = self.csp_nonce(response)
            assert f'nonce="{nonce}"' in page
            assert "Cookie" in response.headers["Vary"]
            pages.append((response.cookies["csrftoken"].value, nonce, page))
        (_, first_nonce, first_page), (_, second_nonce, second_page) = pages
        assert first_nonce != second_nonce
        assert first_page != second_page

    def test_the_cached_page_carries_a_working_csrf_token(self, settings):
        from django.test import Client

        (pattern,) = make_catalog(1)
        browser = Client(enforce_csrf_checks=True)
        page = browser.get(pattern.get_absolute_url()).content.decode()
        token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        response = browser.post(f"/patterns/{pattern.slug}/read/", {"csrfmiddlewaretoken": token})
        assert response.status_code == 302

    def test_the_second_view_of_a_lesson_needs_no_query(self, client, django_assert_num_queries):
        patterns = make_catalog(3)
        url = patterns[1].get_absolute_url()
        client.get(url)
        client.cookies.clear()
        with django_assert_num_queries(0):
            response = client.get(url)
        assert patterns[1].title in response.content.decode()
