# Kairos: one image for every process (web, worker, beat, flower, `kairos db upgrade`).
# The command picks the process; the default is the API. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A Unicode font for exported PDFs (without one they fall back to Latin-1 transliteration).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, read from pyproject.toml: this layer is rebuilt only when it changes.
WORKDIR /usr/src/kairos
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install -r requirements.txt

# Then the project itself (source kept out of the working directory, so the installed
# package is the one every process imports).
COPY app ./app
COPY workers ./workers
COPY schedules ./schedules
COPY migrations ./migrations
RUN pip install --no-deps . && rm -rf build ./*.egg-info

RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin kairos \
    && mkdir -p /srv/kairos/var /tmp/kairos-metrics \
    && chown kairos:kairos /srv/kairos/var /tmp/kairos-metrics

# Settings default to var/ under the working directory: the beat schedule, and in
# development the generated secrets, live there.
WORKDIR /srv/kairos
VOLUME ["/srv/kairos/var"]
USER kairos

# Inside a container the loopback defaults would be unreachable from outside.
ENV KAIROS_BIND=0.0.0.0:3001 \
    KAIROS_FLOWER_BIND=0.0.0.0:5555
EXPOSE 3001 5555

CMD ["kairos", "web"]
