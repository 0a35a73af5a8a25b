"""Scrapy's side of `benches/crawl_compare.sh`: the crawl leadgen's fetch stage does, in Scrapy.

Starts from the same sites as the pipeline bench: a list of domains (`--domains`, every site
known from the start), or the same business-directory searches (one per industry, every city),
following the directory's "next" links and every listing's website link. On each site it fetches the home page plus the first 7 distinct internal links found on it, in document
order (page budget 8, like leadgen's default; leadgen ranks the links instead, but the sample
sites have fewer internal pages than the budget, so both fetch all of them). Same politeness:
robots.txt obeyed (its `Crawl-delay` too, which stock Scrapy ignores: see CrawlDelayMiddleware),
one request at a time and 1 s between requests per host, no AutoThrottle, no randomised delay.
Everything goes through the sample web's HTTP proxy.

    python spider.py --proxy http://127.0.0.1:PORT --out summary.json \
        --domains domains.txt            # or --industries dentist,plumber --cities Austin,Berlin

Writes a JSON summary: pages (site pages received, any status; `pages_ok` with status 200),
requests per host, crawl wall time, CPU seconds of this process during the crawl and peak RSS.
"""

import argparse
import json
import os
import resource
import sys
import time
from collections import Counter
from urllib.parse import quote_plus, urldefrag, urlsplit

import scrapy
from protego import Protego
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import default_settings

DIRECTORY = "directory.test"
PAGE_BUDGET = 8


class CrawlDelayMiddleware:
    """Honours robots.txt `Crawl-delay`, which stock Scrapy reads but ignores and leadgen obeys.

    When a host's robots.txt arrives, its `Crawl-delay` for our User-Agent (if longer than
    DOWNLOAD_DELAY) becomes the delay of that host's download slot.
    """

    # host -> Crawl-delay seconds, read by the summary's floor along the critical path.
    delays = {}

    def __init__(self, crawler):
        self.crawler = crawler
        self.user_agent = crawler.settings.get("USER_AGENT")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _apply(self, host):
        slot = self.crawler.engine.downloader.slots.get(host)
        if slot is not None and host in self.delays:
            slot.delay = max(slot.delay, self.delays[host])

    def process_request(self, request, spider=None):
        self._apply(urlsplit(request.url).hostname or "")

    def process_response(self, request, response, spider=None):
        parts = urlsplit(request.url)
        if parts.path == "/robots.txt" and response.status == 200:
            rules = Protego.parse(response.text if hasattr(response, "text") else "")
            delay = rules.crawl_delay(self.user_agent)
            if delay:
                self.delays[parts.hostname] = float(delay)
                self._apply(parts.hostname)
        return response


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class SiteSpider(scrapy.Spider):
    name = "leadgen_compare"

    def __init__(self, industries, cities, domains=(), **kw):
        super().__init__(**kw)
        self.industries = industries
        self.domains = list(domains)
        # One search per industry over every city, as the pipeline bench does.
        self.location = " ".join(cities)
        self.pages = 0
        self.pages_ok = 0
        self.sites = set()
        self.per_host = Counter()
        # host -> [first, last] download time, for the most sites in progress at once.
        self.span = {}
        # directory page URL -> its position among directory downloads, and each listed site's
        # earliest directory position, for the floor along the critical path.
        self.directory_order = {}
        self.listed_at = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kw):
        spider = super().from_crawler(crawler, *args, **kw)
        crawler.signals.connect(spider.on_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(spider.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    # Every HTTP exchange, robots.txt, redirects and retried attempts included: what the
    # per-host delay applies to.
    def on_downloaded(self, response, request, spider):
        host = urlsplit(response.url).hostname or ""
        self.per_host[host] += 1
        if host == DIRECTORY:
            self.directory_order[response.url] = len(self.directory_order)
        if host != DIRECTORY:
            now = time.monotonic()
            self.span.setdefault(host, [now, now])[1] = now

    def on_opened(self, spider):
        self.t0 = time.monotonic()
        self.cpu0 = cpu_seconds()

    def on_closed(self, spider, reason):
        self.wall = time.monotonic() - self.t0
        self.cpu = cpu_seconds() - self.cpu0
        self.reason = reason

    async def start(self):
        for req in self.start_requests():
            yield req

    def start_requests(self):
        # A list of known sites: every one is known from the start.
        for domain in self.domains:
            self.listed_at[canonical(domain)] = 0
            yield scrapy.Request(f"http://{domain}/", callback=self.parse_home)
        for industry in self.industries:
            url = (
                f"http://{DIRECTORY}/search?industry={quote_plus(industry)}"
                f"&location={quote_plus(self.location)}&page=1"
            )
            yield scrapy.Request(url, callback=self.parse_directory)

    def parse_directory(self, response):
        k = self.directory_order.get(response.url, len(self.directory_order))
        for href in response.css("div.listing a.website::attr(href)").getall():
            host = canonical(urlsplit(response.urljoin(href)).hostname or "")
            self.listed_at[host] = min(self.listed_at.get(host, k), k)
            yield response.follow(href, callback=self.parse_home)
        nxt = response.css("nav.pagination a.next::attr(href)").get()
        if nxt:
            yield response.follow(nxt, callback=self.parse_directory)

    def parse_home(self, response):
        self.count(response)
        if not isinstance(response, scrapy.http.TextResponse) or response.status >= 400:
            return
        host = urlsplit(response.url).hostname
        self.sites.add(host)
        seen = set()
        for href in response.css("a::attr(href)").getall():
            url = urldefrag(response.urljoin(href.strip())).url
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.hostname != host:
                continue
            if parts.path in ("", "/") or url in seen:
                continue
            seen.add(url)
            yield scrapy.Request(url, callback=self.parse_page)
            if len(seen) >= PAGE_BUDGET - 1:
                break

    def parse_page(self, response):
        self.count(response)

    def count(self, response):
        self.pages += 1
        if response.status == 200:
            self.pages_ok += 1


def canonical(host):
    return host[4:] if host.startswith("www.") else host


def critical_path_floor(spider, delay, crawl_delays):
    """A site cannot be crawled before the directory page listing it was read (directory pages
    one delay apart, in the order this run read them), then needs its own requests spaced by the
    delay or its Crawl-delay. Returns (floor, host)."""
    worst = (0.0, "")
    for host, n in spider.per_host.items():
        start = spider.listed_at.get(canonical(host))
        if start is None:
            continue
        gap = max(delay, crawl_delays.get(canonical(host), 0.0))
        floor = start * delay + max(n - 1, 0) * gap
        if floor > worst[0]:
            worst = (floor, host)
    return worst


def max_in_flight(spans):
    """The most [first, last] intervals overlapping at one moment (touching ones count)."""
    edges = sorted([(a, 0) for a, _ in spans] + [(b, 1) for _, b in spans])
    now = most = 0
    for _, end in edges:
        now += -1 if end else 1
        most = max(most, now)
    return most


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proxy", required=True, help="the sample web's proxy URL")
    ap.add_argument("--out", required=True, help="where to write the JSON summary")
    ap.add_argument("--industries", default="", help="comma-separated industry slugs")
    ap.add_argument("--cities", default="", help="comma-separated city names")
    ap.add_argument("--domains", help="file of sites to start from, one domain per line")
    ap.add_argument(
        "--user-agent",
        default="leadgen/0.1.0 (+https://github.com/leadgen/leadgen#crawler)",
    )
    ap.add_argument("--delay", type=float, default=1.0, help="seconds between requests per host")
    ap.add_argument("--log-level", default="INFO")
    args = ap.parse_args()

    settings = {
        "USER_AGENT": args.user_agent,
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": args.delay,
        # No random variation of the delay (DOWNLOAD_DELAY_JITTER replaces
        # RANDOMIZE_DOWNLOAD_DELAY in recent versions).
        **(
            {"DOWNLOAD_DELAY_JITTER": 0.0}
            if hasattr(default_settings, "DOWNLOAD_DELAY_JITTER")
            else {"RANDOMIZE_DOWNLOAD_DELAY": False}
        ),
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS": 2000,
        # Listings link to sites the directory has no say over, and scraping them is the point.
        "DEPTH_LIMIT": 0,
        "DOWNLOAD_TIMEOUT": 15,
        # Site pages are counted whatever their status, like leadgen stores them.
        "HTTPERROR_ALLOW_ALL": True,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": args.log_level,
        "COOKIES_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "DOWNLOADER_MIDDLEWARES": {f"{__name__}.CrawlDelayMiddleware": 950},
    }
    # Scrapy's HttpProxyMiddleware reads the standard proxy variables; set them for this process
    # only, so every request (robots.txt included) goes to the loopback sample web.
    os.environ["http_proxy"] = args.proxy
    os.environ["HTTP_PROXY"] = args.proxy
    os.environ.pop("no_proxy", None)
    os.environ.pop("NO_PROXY", None)

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SiteSpider)
    process.crawl(
        crawler,
        industries=[i for i in args.industries.split(",") if i],
        cities=[c for c in args.cities.split(",") if c],
        domains=[d.strip() for d in open(args.domains)] if args.domains else [],
    )
    process.start()

    spider = crawler.spider
    stats = crawler.stats.get_stats()
    busiest, busiest_n = max(
        spider.per_host.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0)
    )
    floor = max(busiest_n - 1, 0) * args.delay
    path_floor, path_host = critical_path_floor(spider, args.delay, CrawlDelayMiddleware.delays)
    if args.domains:
        # Every site known at the start: the floor is the slowest host's own requests.
        floor, busiest = path_floor, path_host
        busiest_n = spider.per_host.get(path_host, 0)
    wall = getattr(spider, "wall", None) or float(stats.get("elapsed_time_seconds", 0))
    summary = {
        "bench": "scrapy",
        "scrapy_version": scrapy.__version__,
        "finish_reason": getattr(spider, "reason", stats.get("finish_reason")),
        "pages": spider.pages,
        "pages_ok": spider.pages_ok,
        "sites": len(spider.sites),
        "requests": sum(spider.per_host.values()),
        "max_sites_in_flight": max_in_flight(spider.span.values()),
        "hosts": len(spider.per_host),
        "busiest_host": busiest,
        "busiest_host_requests": busiest_n,
        "floor_s": floor,
        "wall_s": wall,
        "wall_over_floor": wall / floor if floor > 0 else None,
        "critical_path_floor_s": path_floor,
        "critical_path_host": path_host,
        "crawl_delay_hosts": len(CrawlDelayMiddleware.delays),
        "pages_per_s": spider.pages / wall if wall > 0 else None,
        "cpu_crawl_s": spider.cpu,
        "cpu_per_1000_pages_s": spider.cpu * 1000 / spider.pages if spider.pages else None,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "robots_forbidden": stats.get("robotstxt/forbidden", 0),
        "retries": stats.get("retry/count", 0),
        "dupefilter_filtered": stats.get("dupefilter/filtered", 0),
        "elapsed_time_seconds": stats.get("elapsed_time_seconds"),
    }
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
