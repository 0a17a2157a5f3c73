"""Six weeks of everyday conversation in every demo space, so that the demo feels lived in.

`demo_discussions` writes a handful of showcase topics through the actions (a solved question, a pinned
announcement...). This module adds the rest of the community's life through the discussions bulk layer
(`discussions.bulk.bulk_create_topics`: the same rows as the actions, written in one batch, with the
authors and times given): several topics per space, replies from several members spread over the
following hours and days, reactions, quotes, mentions, a little code and a few links. Authors are
always members of the space they write in (the bulk layer writes what it is given).

Reactions are written as "who emoji" strings, reply targets as the index of an earlier reply.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from townhall.accounts.models import User
from townhall.discussions.bulk import NewReaction, NewReply, NewTopic, bulk_create_topics
from townhall.discussions.models import Topic
from townhall.spaces.models import Space


@dataclass(frozen=True)
class R:
    author: str
    body: str
    to: int | None = None  # index of an earlier reply in the same topic; None answers the topic
    react: tuple[str, ...] = ()


@dataclass(frozen=True)
class Talk:
    space: str
    author: str
    title: str
    body: str
    days_ago: float
    replies: tuple[R, ...] = ()
    tags: str = ""
    kind: str = Topic.DISCUSSION
    react: tuple[str, ...] = ()
    span_days: float = 4.0  # how long the conversation went on for (cut short for recent topics)


A = "Announcements"
I = "Introductions"  # noqa: E741
P = "Processing clinic"
D = "Deep-sky imaging"
L = "Planetary & lunar"
E = "Eclipse 2026 expedition"
B = "Berlin chapter"
M = "Mentors' lounge"

# fmt: off
CONVERSATIONS: list[Talk] = [
    # --- Announcements ----------------------------------------------------------------------------------
    Talk(A, "mira", "Welcome to the new season: our goal is 100 first images",
         "Hello everyone! The autumn season starts today, and with it our big goal: **help 100 members "
         "finish their first complete image** — captured, stacked, processed and shared with the story of "
         "how it was made.\n\nHow to take part:\n\n1. Say hello in *Introductions* if you haven't yet.\n"
         "2. Pick a target (the mentors have a list of easy ones).\n3. Post your work in progress in the "
         "*Processing clinic* — feedback is always kind and specific.\n\nClear skies! 🌌",
         41, tags="season, goals", kind=Topic.ANNOUNCEMENT, span_days=6,
         react=("jonas 🎉", "lena 🎉", "amara ❤️", "tomas 👍", "liam 🎉", "maya ❤️", "ruth 🎉"),
         replies=(
             R("liam", "Count me in as number one of the hundred. Or at least number forty-seven."),
             R("maya", "I don't own a camera adapter yet, does a phone through the eyepiece count? 😅",
               react=("mira ❤️", "samuel 😄")),
             R("mira", "It absolutely counts, @maya. A phone shot of the Moon, stacked and shared with the "
               "story, is a complete image.", to=1, react=("maya 🎉", "lena ❤️")),
             R("samuel", "My school club wants to join as a team: twelve students, one Dobsonian. Is that "
               "allowed?"),
             R("jonas", "More than allowed. We'll count each student's image separately 😉", to=3,
               react=("samuel 🎉", "amara 👍")),
         )),
    Talk(A, "jonas", "Server maintenance on Sunday morning (done)",
         "We're moving the community to a new machine on **Sunday between 08:00 and 09:00 CET**. Expect a "
         "few minutes when pages don't load. Nothing you've written will be lost.\n\n*Update:* done in 12 "
         "minutes. Thanks for your patience!",
         27, tags="meta", kind=Topic.ANNOUNCEMENT, span_days=1,
         react=("mira 👍", "lucas 👍", "ben 👍"),
         replies=(R("ben", "Smooth as a good polar alignment. Pages feel faster too."),)),
    Talk(A, "mira", "Star night at the Archenhold observatory — 21 November",
         "The Berlin chapter hosts a public star night at the Archenhold observatory. Telescopes on the "
         "lawn from 18:00, a short talk on imaging from the city at 19:00 by @anika, and hot tea.\n\n"
         "Everyone is welcome, even if you've never looked through a telescope. Bring friends!",
         16, tags="events, berlin", kind=Topic.ANNOUNCEMENT, span_days=3,
         react=("anika 🎉", "noah 🎉", "jonas ❤️", "lena 👍"),
         replies=(
             R("noah", "I'll bring the allotment-observatory scope on its travel mount. Red torches only!"),
             R("lena", "Taking the train from Hamburg for this. Is there somewhere to leave a tripod bag?"),
             R("anika", "Yes, the cloakroom by the entrance. See you there, Lena!", to=1),
         )),
    Talk(A, "jonas", "Mentor office hours, every Thursday",
         "From this week a mentor is online in the *Processing clinic* every **Thursday from 20:00 to "
         "21:00 CET** (and on Saturday mornings for the southern hemisphere, thanks @tomas and @olivia). "
         "Drop a question, a stack or a screenshot; no question is too basic.",
         8, tags="mentors, clinic", kind=Topic.ANNOUNCEMENT, span_days=2,
         react=("liam ❤️", "ruth 🎉", "isabel 👍", "maya ❤️"),
         replies=(
             R("ruth", "This is wonderful. Thursday evenings are perfect for me in Addis."),
             R("olivia", "Saturday 09:00 AEDT it is. Coffee in one hand, Carina in the other."),
         )),

    # --- Introductions ----------------------------------------------------------------------------------
    Talk(I, "maya", "First telescope, zero idea, very excited",
         "Hi! I'm Maya from Haifa. Last week I bought a 130 mm Newtonian on a little tabletop mount, and "
         "I've already spent two evenings just looking at the Moon. I'd love to take a picture of Saturn "
         "one day. Where do I even start?",
         5, span_days=3, react=("mira ❤️", "jonas 👍", "zoe 🎉", "samuel ❤️"),
         replies=(
             R("zoe", "Welcome Maya! Start with the Moon and your phone held to the eyepiece: it's the most "
               "rewarding first image there is. Saturn will follow, I promise 🪐", react=("maya ❤️",)),
             R("mira", "Welcome! Have a look at the *Planetary & lunar* space, @amara posted a beginners' "
               "checklist last month."),
             R("maya", "Thank you both! Phone adapter ordered 🙈", to=0, react=("zoe 😄", "samuel 👍")),
         )),
    Talk(I, "pablo", "Hola from Granada (and a remote observatory)",
         "I'm Pablo. I share a remote observatory with four friends in the Sierra Nevada: a 150 mm "
         "refractor, a mono camera and lots of narrowband filters. Happy to share data with anyone who "
         "wants to practise processing on something better than their backyard can give.",
         12, span_days=4, react=("lucas ❤️", "yuki 🎉", "grace 👀"),
         replies=(
             R("lucas", "Data sharing partners, yes please. I'd love to try your Ha on the Cygnus Wall."),
             R("grace", "Six clear nights a year in Vancouver... I might take you up on that offer 😄",
               react=("pablo 😄",)),
             R("pablo", "Both of you: DM me and I'll send a link to the raw subs.", to=0),
         )),
    Talk(I, "jack", "Kia ora from Christchurch",
         "Jack here. Most clear weekends I drive up to Tekapo in the Aoraki Mackenzie dark sky reserve for "
         "Milky Way panoramas. Looking forward to learning deep-sky processing from you all.",
         19, span_days=3, react=("tomas 👍", "olivia ❤️", "emma 🎉"),
         replies=(
             R("tomas", "Another southern imager! Come and join the Southern Hemisphere group, we compare "
               "notes on the Magellanic Clouds."),
             R("olivia", "Tekapo is on my list. How cold does it get up there in winter?"),
             R("jack", "-10 °C on a good night. Bring spare batteries and a thermos 🥶", to=1,
               react=("olivia 😄", "emma 👍")),
         )),
    Talk(I, "ruth", "Hello from the Entoto hills",
         "I'm Ruth, from Addis Ababa. At 2,600 m our skies are dark and steady, and a friend has lent me "
         "an equatorial mount. I have photographed the Orion Nebula once, badly, and I want to do it well.",
         24, span_days=5, react=("mira ❤️", "jonas 👍", "amara 🎉"),
         replies=(
             R("jonas", "Welcome Ruth! Orion is the perfect target to learn on. When you get to guiding, "
               "post your PHD2 graph and I'll read it with you."),
             R("amara", "Great to have another African imager here! Our skies are underrated."),
             R("ruth", "Thank you! @jonas I'll take you up on that once the guide camera arrives.", to=0),
         )),
    Talk(I, "matteo", "Measuring asteroids in Bologna",
         "Ciao! I'm Matteo. I measure asteroid positions and report them to the Minor Planet Center. It's "
         "less about pretty pictures and more about precise ones — I hope that's welcome here too.",
         33, span_days=4, react=("hana 👍", "priya ❤️"),
         replies=(
             R("hana", "Very welcome. I'd love to learn plate solving properly from someone who does "
               "astrometry for real."),
             R("priya", "Science images are beautiful images. Welcome!", react=("matteo ❤️",)),
         )),
    Talk(I, "isabel", "Smart telescope mum from Mexico City",
         "I'm Isabel! I bought a Seestar for my kids and now I'm the one who stays up late. I want to learn "
         "to reprocess the smart-scope data so it looks less like a postage stamp.",
         38, span_days=6, react=("lucas 🎉", "mira ❤️", "ben 😄"),
         replies=(
             R("lucas", "Smart-scope data reprocesses surprisingly well. Post a FITS stack in the clinic "
               "and we'll go through it together."),
             R("ben", "\"Now I'm the one who stays up late\" — the hobby claims another victim 😄",
               react=("isabel 😄",)),
         )),

    # --- Processing clinic --------------------------------------------------------------------------------
    Talk(P, "isabel", "Reprocessing my Seestar stack of M42",
         "Here's my 40-minute Seestar stack of the Orion Nebula. The core is burnt out and the colours look "
         "muddy. What would you change first? Feedback welcome!",
         35, tags="smart telescopes, orion", kind=Topic.QUESTION, span_days=5,
         react=("lucas 👀",),
         replies=(
             R("lucas", "Lovely data for 40 minutes! Two things:\n\n1. Stretch with a *mask* on the core, "
               "or blend a short-exposure version in. The Trapezium should be visible.\n2. Neutralise "
               "the background before touching saturation. Muddy colours are usually an orange cast.",
               react=("isabel ❤️", "mira 👍")),
             R("isabel", "I don't have short exposures. Can I fake it?", to=0),
             R("lucas", "Sort of: duplicate the linear image, stretch the copy gently, and blend only the "
               "brightest part back in. In Siril it's a star mask plus *Pixel Math*:\n\n```\n"
               "iif($T > 0.85, gentle, strong)\n```", to=1, react=("isabel 🎉", "ben 🤔")),
             R("ben", "Saving this. I have the exact same problem with every M42 I've ever taken."),
             R("isabel", "Second version is up: the Trapezium is back! Thank you @lucas 🙏",
               react=("lucas 🎉", "mira ❤️", "ben 🎉")),
         )),
    Talk(P, "ben", "Flats that actually work: what's your recipe?",
         "I keep making flats that *over*-correct: the corners come out brighter than the centre after "
         "calibration. Panel, same focus, same rotation. What am I missing?",
         29, tags="calibration, flats", kind=Topic.QUESTION, span_days=4,
         replies=(
             R("jonas", "Do you take dark flats (flat darks) with the same exposure as your flats? Without "
               "them, the bias offset gets divided in and you get exactly that overcorrection.",
               react=("ben 🤔", "lucas 👍")),
             R("ben", "...I've been using my bias frames. With a CMOS camera. Oh.", to=0,
               react=("jonas 😄", "lena 😄")),
             R("lucas", "Classic! Amp glow and offset behave differently at short exposures on many CMOS "
               "sensors. Flat darks fix it nine times out of ten."),
             R("lena", "Following, since my flats were a T-shirt and a laptop screen 🙈"),
             R("ben", "Reporting back: dark flats fixed it completely. Corners are flat, the galaxy is "
               "happy, I am happy.", react=("jonas 🎉", "lucas 🎉", "lena 🎉")),
         )),
    Talk(P, "lena", "Gradient round two: the Heart Nebula from Hamburg",
         "After the advice in my last thread I took flats, used a lower-order background model and "
         "re-did the Heart Nebula. Better, but there's still a faint green band across the middle. "
         "Feedback welcome!",
         17, tags="gradients", span_days=4, react=("jonas 👍", "lucas ❤️"),
         replies=(
             R("lucas", "This is a *huge* improvement, Lena. The green band is probably not a gradient: "
               "try SCNR green at 60% after colour calibration.", react=("lena ❤️",)),
             R("grace", "Also check whether the band rotates when you rotate the camera. If it does, "
               "it's something on the sensor or filter, not the sky."),
             R("lena", "SCNR did it. I'll try the rotation test next session anyway, thanks @grace.", to=1),
         )),
    Talk(P, "lucas", "Star removal tools compared (StarNet, StarXTerminator, GraXpert)",
         "I ran the same Cygnus Wall stack (thanks to @pablo's data) through three star removal tools. "
         "Short version: all three are good; they fail differently around bright stars and faint "
         "nebulosity. Notes and crops in the thread.",
         10, tags="star removal, tools", span_days=5, react=("pablo 🎉", "grace 👀", "yuki 👍"),
         replies=(
             R("lucas", "Around **Deneb**: StarNet leaves a dark ring; StarXTerminator leaves a soft halo; "
               "the third leaves a few residual blobs. All fixable with a little clone stamping."),
             R("yuki", "From the city, faint nebulosity is precious. Which one eats the least of it?"),
             R("lucas", "StarXTerminator in my test, but run it on the *linear* image. After stretching "
               "they all take more nebula with the stars.", to=1, react=("yuki ❤️",)),
             R("pablo", "Great comparison. Happy to share the OIII from the same nights if you want to "
               "try the bicolour version."),
         )),
    Talk(P, "ruth", "My first complete image: M42 from Entoto",
         "Three hours on the Orion Nebula, 120 s subs, calibrated with flats and darks, processed in Siril "
         "following the clinic notes. It's not perfect, but it's finished and I'm proud of it. This is "
         "image number 23 for the season goal!",
         3, tags="showcase, first image", span_days=2,
         react=("mira 🎉", "jonas 🎉", "lucas ❤️", "amara ❤️", "liam 🎉", "isabel ❤️"),
         replies=(
             R("mira", "Ruth, this is beautiful. The Running Man is there too! Adding you to the tally 🎉",
               react=("ruth ❤️",)),
             R("lucas", "Lovely colour balance. If you ever want to push it further, the stars are a touch "
               "large — a gentle morphological reduction would help. But honestly: well done."),
             R("jonas", "And the guiding was 0.6\" RMS all night, I saw the graph. Textbook.",
               react=("ruth 😄", "mira 👍")),
         )),

    # --- Deep-sky imaging ---------------------------------------------------------------------------------
    Talk(D, "yuki", "Bortle 8 narrowband: 20 hours on the Pelican",
         "Osaka city centre, a 72 mm refractor and a dual-band filter. Twenty hours over nine nights. The "
         "city is loud but hydrogen is louder.",
         36, tags="narrowband, light pollution", span_days=5,
         react=("aiyana ❤️", "grace 🎉", "olivia 👍"),
         replies=(
             R("aiyana", "This is the best argument for not giving up on city imaging I've seen."),
             R("olivia", "How did you handle the different sky each night? I find my stacks get blotchy "
               "when I combine nights with different light pollution."),
             R("yuki", "Background extraction on each night's stack *before* combining them, then local "
               "normalisation. It made the biggest difference.", to=1, react=("olivia ❤️", "grace 👍")),
         )),
    Talk(D, "rafael", "Coma corrector spacing: 55 mm is a lie",
         "My 200 mm f/5 Newtonian had comet-shaped stars in every corner despite \"55 mm\" spacing. "
         "Measured properly, my real spacing was 57.3 mm. After shimming to 55 mm it's finally round.",
         30, tags="newtonian, backfocus", span_days=3, react=("jonas 👍", "noah 🤔"),
         replies=(
             R("noah", "Where did the extra 2.3 mm come from? Filter thickness?"),
             R("rafael", "Partly: a 2 mm filter adds about 0.7 mm of optical path. The rest was the "
               "adapter being longer than its label.", to=0),
             R("jonas", "Rule of thumb for glass filters: add a third of their thickness to the spacing. "
               "Good write-up, @rafael."),
         )),
    Talk(D, "olivia", "Carina Nebula in SHO: which palette balance?",
         "I've got 30 hours of Ha, OIII and SII on NGC 3372 and I can't settle on the colours. The standard "
         "SHO is too green; a \"foraxx\" blend looks more natural. What do you prefer?",
         22, tags="narrowband, palettes", span_days=5, react=("pablo 👀", "lucas 👀"),
         replies=(
             R("lucas", "Dynamic blends are my default now. Something like this in PixelMath, per channel:"
               "\n\n```\nR: SII\nG: (Ha*OIII)^~(Ha*OIII) * Ha + ~(Ha*OIII)^~(Ha*OIII) * OIII\nB: OIII\n```"
               "\n\nThen a gentle SCNR.", react=("olivia ❤️", "pablo 👍")),
             R("pablo", "I like a little green left in Carina — there's a lot of oxygen in there, after all."),
             R("olivia", "Did the dynamic blend and kept a hint of teal in the Keyhole. Finally happy.",
               react=("lucas 🎉", "pablo 🎉", "tomas ❤️")),
         )),
    Talk(D, "ben", "Clear-sky alarm: which forecast do you trust?",
         "In Leeds I get maybe four usable nights a month. Which forecast do you use to decide whether "
         "to set up? I keep getting caught by surprise clouds.",
         14, tags="weather", kind=Topic.QUESTION, span_days=3,
         replies=(
             R("grace", "[Clear Outside](https://clearoutside.com) for the hourly cloud layers, then a look "
               "at the satellite loop before I carry anything outside.", react=("ben 👍",)),
             R("priya", "I wrote a little script that pings me when low, mid and high cloud are all under "
               "20% for three hours in a row. Happy to share if anyone uses Python."),
             R("ben", "Yes please @priya!", to=1),
             R("priya", "Here's the heart of it (the data comes from the Open-Meteo API):\n\n```python\n"
               "def clear_spell(hours, limit=20, length=3):\n"
               "    run = 0\n"
               "    for h in hours:\n"
               "        run = run + 1 if max(h.low, h.mid, h.high) < limit else 0\n"
               "        if run >= length:\n"
               "            return True\n"
               "    return False\n```", to=2, react=("ben 🎉", "grace ❤️", "matteo 👍")),
         )),
    Talk(D, "liam", "Too much or too little integration for a beginner?",
         "I have two hours on the Andromeda Galaxy and it looks noisy. Is it better to add more hours to "
         "this target or start a new one and learn more processing?",
         6, tags="beginners, andromeda", kind=Topic.QUESTION, span_days=3,
         replies=(
             R("mira", "Both are valid! But doubling to four hours will make processing *much* easier, "
               "and easy processing teaches more than fighting noise."),
             R("kenji", "Andromeda is very forgiving to more data. I went from 3 to 8 hours and the dust "
               "lanes appeared like magic."),
             R("liam", "Four hours it is. Mayo is clear on Friday, fingers crossed 🤞", to=0,
               react=("mira 👍", "kenji 👍")),
         )),

    # --- Planetary & lunar --------------------------------------------------------------------------------
    Talk(L, "amara", "Beginners' checklist for planetary imaging",
         "Everything I wish someone had told me in my first year:\n\n- Collimate, then collimate again.\n"
         "- Let the scope cool for at least an hour.\n- Short exposures, high gain, as many frames as you "
         "can fit into 2 to 3 minutes on Jupiter (it rotates!).\n- Stack the best 10 to 20% in AutoStakkert, "
         "sharpen with wavelets in Registax.\n\nQuestions welcome!",
         40, tags="beginners, planetary", span_days=6,
         react=("zoe ❤️", "samuel 👍", "hana 👍", "maya ❤️"),
         replies=(
             R("samuel", "Printing this for the school club wall. Why 2 to 3 minutes on Jupiter?"),
             R("amara", "Jupiter spins in under 10 hours, so surface features smear after a few minutes. "
               "For longer runs you derotate in WinJUPOS.", to=0, react=("samuel 👍", "zoe 👍")),
             R("zoe", "I'd add: use an ADC when the planet is low. It changed my Saturn images completely."),
         )),
    Talk(L, "hana", "A 24-panel mosaic of the waxing crescent",
         "Two hours of rushing across the terminator with a 6\" Mak. Stitched in Microsoft ICE and "
         "finished in GIMP. Full resolution is 9,000 pixels wide — the Apennines are my favourite bit.",
         26, tags="lunar, mosaics", span_days=4, react=("zoe ❤️", "samuel 🎉", "amara 🎉"),
         replies=(
             R("zoe", "Stunning. How do you keep the exposure consistent across panels as the Moon climbs?"),
             R("hana", "I lock exposure and gain and accept a little brightness variation; ICE blends it "
               "away. Seeing changes are the real enemy.", to=0),
             R("samuel", "Showed this to my students, they went quiet for a full minute. High praise from "
               "teenagers!", react=("hana ❤️", "amara 😄")),
         )),
    Talk(L, "zoe", "Saturn's rings edge-on: tips for this season",
         "The rings are nearly edge-on this year, which makes Saturn look strange and lovely. Has anyone "
         "caught the shadow of the rings on the globe yet?",
         18, tags="saturn", span_days=5, react=("amara 👀",),
         replies=(
             R("amara", "Yes, a thin dark line just south of the rings. Best seen in the red channel."),
             R("samuel", "We saw it visually at the school! The students thought the rings had fallen off."),
             R("zoe", "> The students thought the rings had fallen off\n\nThis is the best thing I've "
               "read all week 😄", to=1, react=("samuel 😄", "amara 😄", "hana 😄")),
         )),
    Talk(L, "kenji", "H-alpha prominences timelapse from Sapporo",
         "A 90-minute timelapse of a big prominence on the eastern limb. 200 frames every 30 seconds, each "
         "stacked from 500. Solar safety first: full-aperture ERF and a dedicated H-alpha scope.",
         9, tags="solar, h-alpha", span_days=3, react=("ahmed ❤️", "amara 🎉", "zoe 👀"),
         replies=(
             R("ahmed", "Beautiful detail. Are you processing each frame the same way, or batch sharpening?"),
             R("kenji", "Batch: one wavelet preset for all 200 frames, then a tiny bit of flicker removal "
               "in the video editor.", to=0),
         )),
    Talk(L, "samuel", "Lunar eclipse with the school club",
         "We stayed late at school for the partial lunar eclipse: twelve students, one Dobsonian and a lot "
         "of phones pressed to eyepieces. Our best shot is attached, taken by a fourteen-year-old.",
         4, tags="outreach, lunar", span_days=2,
         react=("amara ❤️", "mira ❤️", "hana 🎉", "zoe 🎉", "maya ❤️"),
         replies=(
             R("amara", "This is what it's all about. Tell the photographer they have a fan in Lagos!"),
             R("maya", "This gives me so much hope for my phone adapter 😄"),
         )),

    # --- Eclipse 2026 expedition --------------------------------------------------------------------------
    Talk(E, "sofia", "Weather statistics for our candidate sites",
         "I've compiled ten years of August cloud data for our three candidate sites. Burgos wins on "
         "average cloud cover; the coast has better roads but more morning haze. Summary table in the "
         "thread, sources at [eclipsophile.com](https://eclipsophile.com).",
         39, tags="weather, planning", span_days=6, react=("mira 👍", "emma 👀", "ahmed 👍"),
         replies=(
             R("sofia", "| Site | Mean cloud | Clear-sky chance |\n|---|---|---|\n| Burgos | 31% | 62% |\n"
               "| Soria | 34% | 58% |\n| Asturias coast | 52% | 38% |"),
             R("marek", "The coast is out then. But let's keep Soria as plan B in case of a local storm."),
             R("tomas", "Agree with Marek. A plan B within two hours' drive is what saved my 2019 trip."),
         )),
    Talk(E, "ahmed", "Solar filters: let's check them before we fly",
         "Reminder from someone who has seen it go wrong: check every solar filter against the light "
         "before the trip. Pinholes or scratches = bin it. I'll bring a spare sheet of certified film.",
         28, tags="safety", span_days=3, react=("sofia ❤️", "lena 👍", "david 👍"),
         replies=(
             R("lena", "Mine is from 2024 and has a small crease. Is that okay?"),
             R("ahmed", "Creases are fine as long as there's no pinhole; hold it against a bright lamp. "
               "If in doubt, use a new one.", to=0, react=("lena 👍",)),
         )),
    Talk(E, "emma", "Which lenses for totality?",
         "I'm planning one wide-field camera for the landscape and the shadow, and one telephoto for the "
         "corona. Does anyone have an exposure plan for the corona?",
         20, tags="gear, totality", span_days=4,
         replies=(
             R("sofia", "Bracket! From 1/4000 to 1 s at ISO 200 on a 400 mm lens, then HDR-stack the "
               "corona. And look up with your own eyes for at least 30 seconds 🌘",
               react=("emma ❤️", "david 👍")),
             R("david", "I'll do the wide-field shadow timelapse with two cameras for a panorama."),
             R("emma", "Perfect, then I'll concentrate on the corona. Practising on the Moon next week."),
         )),
    Talk(E, "marek", "Accommodation: the farmhouse near Burgos",
         "Found a farmhouse for ten people 25 km north of Burgos, with a flat field behind it and no street "
         "lights. Deposit due by the end of the month — who's in?",
         11, tags="logistics", span_days=3, react=("sofia 🎉", "mira 👍"),
         replies=(
             R("mira", "In, and I'll share a room with anyone who doesn't mind a 05:00 alarm."),
             R("david", "In. I'll transfer my share tonight."),
             R("sofia", "In! @tomas @emma can you confirm by Friday?", react=("emma 👍",)),
             R("emma", "Confirmed, paying tomorrow!", to=2),
         )),

    # --- Berlin chapter -----------------------------------------------------------------------------------
    Talk(B, "anika", "Chapter meet-up recap: October",
         "Thanks to everyone who came! Notes from the evening:\n\n- @noah showed the roll-off roof "
         "progress (photos below).\n- We agreed to map dark spots in Brandenburg with SQM readings.\n"
         "- Next meet-up: the Archenhold star night.",
         34, tags="meet-ups", span_days=4, react=("noah ❤️", "mira 👍", "jonas 👍"),
         replies=(
             R("noah", "The roof rolls now! It only jams when it's below zero, which is... winter. 😅",
               react=("anika 😄", "jonas 😄")),
             R("jonas", "Graphite powder in the rails, and it's never jammed on me since."),
         )),
    Talk(B, "noah", "SQM readings around Brandenburg",
         "Started a shared table of sky quality readings. Add yours with the date, time and moon phase. "
         "Best so far: **21.4 mag/arcsec²** near Gülpe in the Westhavelland dark sky reserve. "
         "Compare with [the light pollution map](https://www.lightpollutionmap.info).",
         23, tags="light pollution, dark sites", span_days=6, react=("anika 🎉", "mira ❤️"),
         replies=(
             R("mira", "Kreuzberg balcony: 18.1. I won't be adding that to the table 😄",
               react=("noah 😄", "jonas 😄")),
             R("anika", "Friedrichshagen by the lake: 19.3 on a moonless night. Better than I expected."),
             R("jonas", "Gülpe is worth the drive. Let's plan a carpool on the next new moon."),
         )),
    Talk(B, "jonas", "Carpool to Gülpe on the new moon weekend",
         "The forecast looks good for Saturday night. I have three free seats leaving Friedrichshain at "
         "17:30. Bring warm clothes: it's always colder out there than you think.",
         13, tags="carpool, dark sites", span_days=2, react=("noah 👍", "anika 👍"),
         replies=(
             R("noah", "One seat for me and a small tripod please."),
             R("anika", "I'll come in my own car with the big Dobsonian for visual."),
             R("mira", "Can't make it this time, I'm running the processing clinic. Take pictures!"),
         )),
    Talk(B, "mira", "Pictures from the Gülpe night",
         "Jonas and Noah came back with a lovely wide-field of Cassiopeia and the Heart and Soul nebulae. "
         "Post your shots from the night here!",
         7, tags="dark sites", span_days=3, react=("jonas ❤️", "noah ❤️"),
         replies=(
             R("noah", "Mine is just 40 minutes but the colour in the Soul Nebula is unreal from there."),
             R("jonas", "And a meteor crossing the frame at exactly the right moment. Pure luck.",
               react=("mira 🎉", "anika 🎉")),
         )),

    # --- Mentors' lounge ----------------------------------------------------------------------------------
    Talk(M, "mira", "Mentor pairing for Cohort 3",
         "Here's the pairing proposal for this season. Reply if you'd like to swap:\n\n| Mentee | Mentor |\n"
         "|---|---|\n| Lena | Lucas |\n| Liam | Jonas |\n| Ruth | Jonas |\n| Isabel | Lucas |\n"
         "| Samuel | Amara |\n| Ben | Pablo |",
         42, tags="cohort 3", span_days=4, react=("lucas 👍", "amara 👍", "pablo 👍"),
         replies=(
             R("jonas", "Two mentees is fine for me: Liam and Ruth both need guiding help, so I can "
               "combine sessions."),
             R("ines", "I'm free this season if anyone wants to hand one over. Spectroscopy or not!"),
             R("mira", "Thanks @ines, I'll pair you with anyone from the next applications who mentions "
               "spectra.", to=1),
         )),
    Talk(M, "lucas", "How do we give feedback that doesn't discourage?",
         "I noticed a newcomer deleted their post after three critiques in a row. I think we were right "
         "about the image and wrong about the tone. Ideas for a house style?",
         25, tags="feedback", span_days=4, react=("mira ❤️", "amara 👍"),
         replies=(
             R("amara", "Start with something that works in the image. Always. Then one thing to try "
               "next, not five."),
             R("priya", "And ask what they want feedback on before giving it. Sometimes people only want "
               "help with the colours."),
             R("mira", "Let's put these in the clinic's pinned guide. @lucas, want to draft it?",
               react=("lucas 👍",)),
         )),
    Talk(M, "pablo", "Sharing observatory data with cohort members",
         "I've got terabytes of narrowband data from the Sierra Nevada. Would it help to give each cohort "
         "member a \"practice dataset\" to process alongside their own?",
         15, tags="data, cohort 3", span_days=3, react=("lucas 🎉", "mira 👍"),
         replies=(
             R("lucas", "Yes! Processing good data first teaches what's possible. Then their own data "
               "makes sense."),
             R("tomas", "Same offer from the south: I have Magellanic Cloud data from the Atacama."),
         )),
    Talk(M, "jonas", "Tally check: 23 first images so far",
         "We're at **23 of 100** first complete images this season (Ruth's M42 was number 23). That's "
         "ahead of last year at this point. Who hasn't posted yet that we should check in with?",
         2, tags="goals", span_days=1.5, react=("mira 🎉", "lucas 🎉", "amara 🎉"),
         replies=(
             R("amara", "Samuel's students are close — two have stacks ready."),
             R("ines", "Maya is very motivated. I'll send her the lunar checklist.",
               react=("mira ❤️",)),
         )),
]
# fmt: on


def _jitter(key: str, minutes: int) -> timedelta:
    """A small, stable offset so that posts don't all land on the hour."""
    return timedelta(minutes=zlib.crc32(key.encode()) % minutes)


def _reactions(marks: tuple[str, ...], users: dict[str, User], at: datetime) -> list[NewReaction]:
    reactions = []
    for n, mark in enumerate(marks, start=1):
        who, emoji = mark.split(" ", 1)
        reactions.append(
            NewReaction(user_id=users[who].pk, emoji=emoji, created_at=at + timedelta(minutes=17 * n))
        )
    return reactions


def _topic(talk: Talk, users: dict[str, User], spaces: dict[str, Space], now: datetime) -> NewTopic:
    began = now - timedelta(days=talk.days_ago) + _jitter(talk.title, 90)
    # Replies come quickly at first and then tail off, over span_days (never later than an hour ago).
    span = min(timedelta(days=talk.span_days), now - timedelta(hours=1) - began)
    replies = []
    previous = began
    count = len(talk.replies)
    for index, reply in enumerate(talk.replies):
        share = ((index + 1) / count) ** 1.7
        at = max(began + span * share - _jitter(f"{talk.title}{index}", 40), previous + timedelta(minutes=4))
        replies.append(
            NewReply(
                author_id=users[reply.author].pk,
                body=reply.body,
                created_at=at,
                reply_to=reply.to,
                reactions=_reactions(reply.react, users, at),
            )
        )
        previous = at
    return NewTopic(
        space_id=spaces[talk.space].pk,
        author_id=users[talk.author].pk,
        title=talk.title,
        body=talk.body,
        created_at=began,
        kind=talk.kind,
        tags=talk.tags,
        reactions=_reactions(talk.react, users, began),
        replies=replies,
    )


def seed_conversations(users: dict[str, User], spaces: dict[str, Space], now: datetime) -> dict[str, int]:
    """Write CONVERSATIONS through the bulk layer; return how many topics and posts were written."""
    written = bulk_create_topics(_topic(talk, users, spaces, now) for talk in CONVERSATIONS)
    return {"topics": len(written), "posts": sum(len(w.post_ids) for w in written)}
